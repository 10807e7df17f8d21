// A real OpenID Connect provider for Waymark's single sign-on tests: the certified `oidc-provider` package
// with the test accounts of accounts.json, a plain sign-in form (username and password, or Cancel) and consent
// given on the person's behalf, as a university's own directory gives it to its own services.
//
// Started by tests/support/oidc.py, never in production. Settings come from the environment:
//   OIDC_PORT       the port to listen on (127.0.0.1); the issuer is http://127.0.0.1:<port>
//   OIDC_CLIENTS    JSON list of client registrations (client_id, client_secret, redirect_uris, ...)
//   OIDC_JWKS_FILE  a private JWK set to sign with, so a test can also sign tokens the provider's keys verify
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const { password: PASSWORD, accounts } = JSON.parse(readFileSync(new URL('./accounts.json', import.meta.url)));
const clients = JSON.parse(process.env.OIDC_CLIENTS || '[]');
const jwks = process.env.OIDC_JWKS_FILE ? JSON.parse(readFileSync(process.env.OIDC_JWKS_FILE)) : undefined;

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body>
</html>`;
}

function claimsOf(account) {
  return {
    sub: account.sub,
    email: account.email,
    email_verified: account.email_verified,
    given_name: account.given_name,
    family_name: account.family_name,
    name: `${account.given_name} ${account.family_name}`,
  };
}

const provider = new Provider(issuer, {
  clients,
  jwks,
  async findAccount(ctx, sub) {
    const account = accounts.find((a) => a.sub === sub);
    return account && { accountId: sub, claims: async () => claimsOf(account) };
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
  },
  // Every client must prove the code is its own (PKCE, S256), confidential ones included.
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      // The provider asks before ending its own session; `form` holds its hidden CSRF field.
      async logoutSource(ctx, form) {
        const fields = form.replace(/^<form[^>]*>|<\/form>$/g, '');
        const action = /action="([^"]+)"/.exec(form)[1];
        ctx.body = page('Sign out of the test university?', `
<form method="post" action="${action}">${fields}
  <p><button type="submit" name="logout" value="yes">Yes, sign me out</button></p>
  <p><button type="submit">No, stay signed in</button></p>
</form>`);
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['waymark-tests-only-not-a-secret'] },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Something went wrong', `<p>${escape(out.error)}: ${escape(out.error_description || '')}</p>`);
  },
});

function signInForm(uid, { username = '', problem = '' } = {}) {
  const alert = problem ? `<p role="alert">${escape(problem)}</p>` : '';
  return page('Sign in to the test university', `${alert}
<form method="post" action="/interaction/${uid}/login">
  <p><label for="username">Username</label> <input id="username" name="username" value="${escape(username)}"></p>
  <p><label for="password">Password</label> <input id="password" name="password" type="password"></p>
  <p><button type="submit">Sign in</button></p>
</form>
<form method="post" action="/interaction/${uid}/abort"><p><button type="submit">Cancel</button></p></form>`);
}

async function bodyOf(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

// Consent is given for the person: the client is one of the university's own services.
async function grantFor(details, accountId) {
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(String(details.params.scope));
  return grant.save();
}

async function interaction(req, res, url) {
  const [, , uid, action] = url.pathname.split('/');
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  const finish = (result) => provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });

  if (req.method === 'POST' && action === 'abort') {
    return finish({ error: 'access_denied', error_description: 'The person cancelled signing in.' });
  }
  if (details.prompt.name === 'consent' && details.session) {
    return finish({ consent: { grantId: await grantFor(details, details.session.accountId) } });
  }
  if (req.method === 'POST' && action === 'login') {
    const form = await bodyOf(req);
    const username = (form.get('username') || '').trim().toLowerCase();
    const account = accounts.find((a) => a.username === username);
    if (!account || form.get('password') !== PASSWORD) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(signInForm(uid, { username, problem: 'The username or password is not right.' }));
    }
    return finish({
      login: { accountId: account.sub },
      consent: { grantId: await grantFor(details, account.sub) },
    });
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  return res.end(signInForm(uid));
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  const url = new URL(req.url, issuer);
  if (!url.pathname.startsWith('/interaction/')) return callback(req, res);
  return interaction(req, res, url).catch((error) => {
    res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page('Sign-in could not continue', `<p>${escape(error.message)}</p>`));
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
