// A real OpenID Connect provider for the tests: panva's certified `oidc-provider` (npm, pinned in package.json).
//
// node tests/support/oidc_provider.mjs '<json>' — the JSON names
//   client: {client_id, client_secret, redirect_uris}
//   accounts: {"<login>": {email, email_verified, tid, name}} — any other login signs in with email = login,
//             email_verified true and tid = defaultTenant (the dev login page takes any login and password)
//   defaultTenant: the `tid` claim (an Entra ID tenant id's stand-in) of logins not listed
//   slowCodePrefix: logins starting with this get authorization codes that live 1 second (the expired-code test)
// It listens on a free port of 127.0.0.1 and prints one JSON line, {"issuer": "http://127.0.0.1:PORT"}.
// PKCE is required of the client; ID tokens carry the scopes' claims (email, email_verified, tid, ...).
import http from "node:http";
import Provider from "oidc-provider";

const options = JSON.parse(process.argv[2]);
const accounts = options.accounts || {};

const server = http.createServer();
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

function claimsOf(login) {
  const account = accounts[login] || {};
  return {
    sub: login,
    email: "email" in account ? account.email : login,
    email_verified: "email_verified" in account ? account.email_verified : true,
    tid: account.tid || options.defaultTenant,
    name: account.name || login,
    preferred_username: login,
  };
}

const provider = new Provider(issuer, {
  clients: [{ ...options.client, grant_types: ["authorization_code"], response_types: ["code"] }],
  findAccount: async (ctx, id) => ({ accountId: id, claims: async () => claimsOf(id) }),
  claims: { openid: ["sub", "tid"], email: ["email", "email_verified"], profile: ["name", "preferred_username"] },
  conformIdTokenClaims: false, // the claims in the ID token itself, as Entra ID does
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ["test-only-not-secret"] },
  ttl: {
    AuthorizationCode: (ctx, code) =>
      options.slowCodePrefix && String(code.accountId).startsWith(options.slowCodePrefix) ? 1 : 60,
    IdToken: 300,
    AccessToken: 300,
    Grant: 300,
    Interaction: 300,
    Session: 300,
  },
  // No consent page: the grant is made on sign-in (a council's app is pre-approved by its tenant's admin).
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid email profile");
    await grant.save();
    return grant;
  },
});
provider.proxy = false;
server.on("request", provider.callback());
process.stdout.write(JSON.stringify({ issuer }) + "\n");

for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => server.close(() => process.exit(0)));
