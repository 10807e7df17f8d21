"""Single sign-on with OpenID Connect: the deployment's providers, linking their accounts to Waymark's."""
