// An OpenID Connect provider on loopback that behaves like Norway's ID-porten,
// for the tests. Started by tests/oidc_provider.py as
//
//     node server.js CONFIG.json
//
// where CONFIG.json is {"port": 12345, "signing_jwk": {...private RSA JWK with kid...},
// "clients": [{client_id, client_secret, redirect_uris, post_logout_redirect_uris, ...}]}.
// Prints "READY <issuer>" on stdout once it listens; exits cleanly on SIGTERM, SIGINT
// or when its stdin closes.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;

const ACR_VALUES = ['idporten-loa-low', 'idporten-loa-substantial', 'idporten-loa-high'];
const DEFAULT_ACR = 'idporten-loa-substantial';

// ID-porten's `sub` is a pairwise identifier, not the personal identity number.
function pairwiseSub(clientId, pid) {
  return createHash('sha256').update(`${clientId}:${pid}`).digest('hex');
}

// Clients from the config. A pairwise client whose redirect URIs span several hosts
// needs an https sector_identifier_uri; give it a placeholder that is never fetched
// (sectorIdentifierUriValidate below), since our pairwiseIdentifier ignores the sector.
const clients = config.clients.map((client) => {
  const hosts = new Set(client.redirect_uris.map((uri) => new URL(uri).host));
  return {
    token_endpoint_auth_method: 'client_secret_basic',
    ...(hosts.size > 1 ? { sector_identifier_uri: 'https://sector.invalid/' } : {}),
    ...client,
  };
});

const escapeHtml = (text) => String(text).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
}

// The login page: personal identity number and level of assurance, no JavaScript.
function loginPage(action, clientId, error) {
  const options = ACR_VALUES.map((acr) => (
    `<option value="${acr}"${acr === DEFAULT_ACR ? ' selected' : ''}>${acr}</option>`));
  return page('Test ID-porten', `${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<p>Log in to ${escapeHtml(clientId)}</p>
<form method="post" action="${escapeHtml(action)}">
  <label>Personal identity number <input type="text" name="pid" required autofocus></label>
  <label>Level of assurance <select name="acr">${options.join('')}</select></label>
  <input type="hidden" name="amr" value="TestID">
  <button type="submit">Log in</button>
</form>`);
}

async function readForm(req, limit = 64 * 1024) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > limit) throw new Error('request body too large');
  }
  return new URLSearchParams(body);
}

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [config.signing_jwk] },
  cookies: { keys: [randomBytes(32).toString('hex')] },

  // Authorization code flow with PKCE (S256 is the only method oidc-provider 9 knows).
  responseTypes: ['code'],
  pkce: { required: () => true },
  allowOmittingSingleRegisteredRedirectUri: false,
  acrValues: ACR_VALUES,
  scopes: ['openid'],
  // As at ID-porten, every ID token has pid, acr, amr and auth_time (scope openid is
  // enough), requested or not; userinfo has sub and pid.
  claims: { openid: ['sub', 'pid', 'acr', 'amr', 'auth_time'], sid: null, iss: null },
  subjectTypes: ['pairwise'],
  pairwiseIdentifier: (ctx, accountId, client) => pairwiseSub(client.clientId, accountId),
  sectorIdentifierUriValidate: () => false,

  // The account id is the personal identity number.
  findAccount: (ctx, pid) => ({
    accountId: pid,
    claims: () => ({ sub: pid, pid }),
  }),

  // No consent screen: every authorization request is granted what it asks for.
  async loadExistingGrant(ctx) {
    const { client, session } = ctx.oidc;
    const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
    let grant = grantId && await ctx.oidc.provider.Grant.find(grantId);
    if (!grant || grant.accountId !== session.accountId) {
      const { accountId } = session;
      grant = new ctx.oidc.provider.Grant({ accountId, clientId: client.clientId });
    }
    grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(' '));
    await grant.save();
    return grant;
  },

  // Errors that cannot go back to the client: a short page (the text tests see).
  renderError(ctx, out) {
    ctx.type = 'html';
    const lines = Object.entries(out).map(([key, value]) => `${key}: ${value}`);
    ctx.body = page('Error', `<pre>${escapeHtml(lines.join('\n'))}</pre>`);
  },

  features: {
    devInteractions: { enabled: false },
    dPoP: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      // A plain confirmation form that ends the whole session (ID-porten's single logout).
      logoutSource(ctx, form) {
        const confirm = '<input type="hidden" name="logout" value="yes"/>'
          + '<button type="submit">Log out</button></form>';
        ctx.body = page('Log out of Test ID-porten', form.replace('</form>', confirm));
      },
      postLogoutSuccessSource(ctx) {
        ctx.body = page('Logged out', '<p>You are logged out of Test ID-porten.</p>');
      },
    },
  },
});

// ID-porten always puts `sid` in the ID token. oidc-provider does so only for clients
// registered for back-channel logout with backchannel_logout_session_required (it would
// then POST logout tokens to them), or when the `claims` request parameter asks for it.
// This pinned version decides it in Client#includeSid, so answer "yes" for every client.
provider.Client.prototype.includeSid = () => true;

// The interaction (login) page, replacing the development interactions.
provider.use(async (ctx, next) => {
  if (!/^\/interaction\/[^/]+$/.test(ctx.path)) {
    return next();
  }
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const clientId = details.params.client_id;
  ctx.type = 'html';
  if (ctx.method === 'GET') {
    ctx.body = loginPage(ctx.path, clientId);
    return undefined;
  }
  if (ctx.method !== 'POST') {
    ctx.status = 405;
    return undefined;
  }
  const form = await readForm(ctx.req);
  const pid = (form.get('pid') || '').trim();
  const acr = form.get('acr') || DEFAULT_ACR;
  if (!pid || !ACR_VALUES.includes(acr)) {
    ctx.status = 400;
    ctx.body = loginPage(ctx.path, clientId, 'Enter a personal identity number and a level.');
    return undefined;
  }
  // The methods used (`amr`, space-separated): a test may say "pwd mfa" (a staff SSO's
  // second factor).
  const amr = (form.get('amr') || 'TestID').split(/\s+/).filter(Boolean).slice(0, 5);
  const result = { login: { accountId: pid, acr, amr } };
  const resumeUrl = await provider.interactionResult(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: false,
  });
  ctx.status = 303;
  ctx.redirect(resumeUrl);
  return undefined;
});

const server = provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`READY ${issuer}\n`);
});

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The test run holds our stdin open: when it closes, the run is over, however it ended.
process.stdin.on('end', stop).resume();
