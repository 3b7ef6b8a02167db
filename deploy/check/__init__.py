"""`make deploy-check`: the shipped deployment files run as a stack on this machine, and tested through nginx."""
