// Runs first in <body>: tells GOV.UK Frontend's CSS that JavaScript is on (kept out of the page so
// the Content-Security-Policy can forbid inline scripts).
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
