// A real OAuth 2.0 / OpenID Connect authorization server (panva's oidc-provider) for
// nudge-oauth's tests. tests/src/oidc.rs starts it as a child process and plays the user at
// its own sign-in and consent pages; nothing of the protocol is faked: it checks PKCE, client
// authentication and redirect URIs, and issues, rotates and revokes real tokens.
//
// Configured by one JSON document in the env variable OIDC_TEST_CONFIG (or argv[2]):
//   {
//     "port": 0,                       // 0: pick a free port on 127.0.0.1
//     "access_token_ttl": 60,          // seconds
//     "scopes": ["calendar"],          // beyond openid, email, offline_access
//     "clients": [{ "client_id": "…", "client_secret": "…", "redirect_uris": ["…"],
//                   "token_endpoint_auth_method": "client_secret_basic" | "client_secret_post" }]
//   }
// Once listening it prints one JSON line on stdout: the issuer and its endpoints.
// Accounts: any login is accepted (the dev sign-in form); the account's e-mail is
// `<login>@example.test`.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const raw = process.env.OIDC_TEST_CONFIG ?? process.argv[2] ?? '{}';
const config = JSON.parse(raw);
const port = Number(config.port ?? 0);
const accessTokenTtl = Number(config.access_token_ttl ?? 60);
const extraScopes = config.scopes ?? [];
const clients = (config.clients ?? []).map((c) => ({
  client_id: c.client_id,
  client_secret: c.client_secret,
  redirect_uris: c.redirect_uris,
  token_endpoint_auth_method: c.token_endpoint_auth_method ?? 'client_secret_basic',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
}));

// A signing key made for this run: ID tokens are real JWTs.
const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ format: 'jwk' });

const server = createServer();
server.listen(port, '127.0.0.1', () => {
  const { port: actual } = server.address();
  const issuer = `http://127.0.0.1:${actual}`;

  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [{ ...signingKey, use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    findAccount(_ctx, id) {
      return {
        accountId: id,
        async claims() {
          return { sub: id, email: `${id}@example.test`, email_verified: true };
        },
      };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    scopes: ['openid', 'email', 'offline_access', ...extraScopes],
    // The e-mail in the ID token too (the client reads it there, as a label).
    conformIdTokenClaims: false,
    features: {
      // The stock sign-in (any login) and consent pages, which the harness submits.
      devInteractions: { enabled: true },
      revocation: { enabled: true },
    },
    // Every authorization code request must carry an S256 challenge.
    pkce: { methods: ['S256'], required: () => true },
    // Google-style clients ask `access_type=offline` + `prompt=consent`, not `offline_access`:
    // a client allowed the refresh_token grant gets a refresh token either way, and it outlives
    // the browser session.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: async () => false,
    rotateRefreshToken: true,
    ttl: {
      AccessToken: accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      Grant: 14 * 24 * 3600,
      Interaction: 600,
      RefreshToken: 14 * 24 * 3600,
      Session: 3600,
    },
    routes: {
      authorization: '/auth',
      token: '/token',
      revocation: '/token/revocation',
    },
  });

  // Errors the provider answers with are the test's business; keep stderr for real trouble.
  provider.on('server_error', (_ctx, err) => console.error('server_error', err));

  // oidc-provider takes either secret method from a client registered for one of them; real
  // providers may not (Notion takes Basic only). This server holds each client to the method it
  // registered, so a test can tell which one the client used.
  provider.use(async (ctx, next) => {
    await next();
    const client = ctx.oidc?.client;
    if (!client || !['token', 'revocation'].includes(ctx.oidc.route)) return;
    const usedBasic = /^basic /i.test(ctx.get('authorization'));
    const wantsBasic = client.tokenEndpointAuthMethod === 'client_secret_basic';
    if (usedBasic !== wantsBasic) {
      ctx.status = 401;
      ctx.type = 'json';
      ctx.body = {
        error: 'invalid_client',
        error_description: `this client authenticates with ${client.tokenEndpointAuthMethod} only`,
      };
    }
  });

  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({
    issuer,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    revocation_endpoint: `${issuer}/token/revocation`,
  })}\n`);
});

// The harness kills this process when the test ends; stop cleanly on a signal too.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
// Never outlive the harness: it holds our stdin, which closes when it exits or is killed.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
