// A real OpenID Provider for AgentDesk's identity tests: panva's certified oidc-provider on
// 127.0.0.1 and a free port, with a public native client (code + PKCE, refresh, device flow),
// a confidential machine-to-machine client (client credentials), dynamic client registration
// (RFC 7591, open to anyone, as MCP servers' authorization servers offer it), revocation and
// short token lifetimes so that refresh is exercised. It prints "READY <issuer>" once listening, and
// counts token requests at GET /test/counts so a test can see how many calls reached it.
// Only for tests: any login and password is accepted (devInteractions).
import http from "node:http";
import Provider from "oidc-provider";

// The test harness may stop reading once it has seen READY; notices written later must not
// end the provider.
process.stdout.on("error", () => {});

const accessTokenSeconds = Number(process.env.ACCESS_TOKEN_TTL ?? 30);
const counts = { token: 0, revocation: 0, registration: 0 };

const server = http.createServer();
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: "agentdesk",
        application_type: "native",
        token_endpoint_auth_method: "none",
        redirect_uris: ["http://127.0.0.1/callback"],
        grant_types: ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"],
        response_types: ["code"],
      },
      {
        client_id: "m2m",
        client_secret: process.env.M2M_SECRET ?? "m2m-test-secret-0b7e",
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
      },
    ],
    scopes: ["openid", "offline_access", "email", "gateway"],
    claims: { openid: ["sub"], email: ["email", "email_verified"] },
    findAccount: async (_ctx, id) => ({
      accountId: id,
      claims: async () => ({ sub: id, email: `${id}@example.com`, email_verified: true }),
    }),
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      registration: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => "urn:agentdesk:gateway",
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: "gateway",
          audience: "urn:agentdesk:gateway",
          accessTokenFormat: "jwt",
          accessTokenTTL: accessTokenSeconds,
        }),
      },
    },
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed("refresh_token") && code.scopes.has("offline_access"),
    ttl: {
      AccessToken: accessTokenSeconds,
      ClientCredentials: accessTokenSeconds,
      DeviceCode: 300,
      RefreshToken: 3600,
      Grant: 3600,
      Interaction: 600,
      Session: 3600,
      IdToken: 3600,
    },
    pkce: { required: () => true },
  });
  provider.use(async (ctx, next) => {
    if (ctx.method === "POST" && ctx.path === "/token") counts.token += 1;
    if (ctx.method === "POST" && ctx.path === "/token/revocation") counts.revocation += 1;
    if (ctx.method === "POST" && ctx.path === "/reg") counts.registration += 1;
    await next();
  });
  const callback = provider.callback();
  server.on("request", (request, response) => {
    if (request.url === "/test/counts") {
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify(counts));
      return;
    }
    callback(request, response);
  });
  console.log(`READY ${issuer}`);
});
