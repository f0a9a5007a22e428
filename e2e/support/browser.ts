import type { GraphQLResponse } from '../../test-support/graphql';

/**
 * A client that keeps cookies like a browser does (the gateway's session cookies are HttpOnly:
 * only the transport sees them), for end-to-end tests of sessions through the gateway.
 */
export class Browser {
  readonly cookies = new Map<string, string>();
  /** Set-Cookie lines of the last response, as sent. */
  lastSetCookie: string[] = [];

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  async gql<T = Record<string, any>>(
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ): Promise<GraphQLResponse<T> & { headers: Headers }> {
    const response = await this.fetch({
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status'>;
    return { status: response.status, headers: response.headers, ...body };
  }

  /** The Cookie header this browser would send now. */
  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async fetch(init: RequestInit & { headers?: Record<string, string> }, url = this.url): Promise<Response> {
    const cookie = this.cookieHeader();
    const response = await fetch(url, {
      ...init,
      headers: { ...this.headers, ...init.headers, ...(cookie ? { cookie } : {}) },
    });
    this.lastSetCookie = response.headers.getSetCookie();
    for (const line of this.lastSetCookie) {
      const [pair, ...attributes] = line.split(';').map((s) => s.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = decodeURIComponent(pair!.slice(eq + 1));
      const expired = attributes.some(
        (a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) <= Date.now()),
      );
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** The same browser (its cookie jar shared) talking to another gateway URL. */
  at(url: string): Browser {
    if (url === this.url) return this;
    const other = new Browser(url, this.headers);
    (other as { cookies: Map<string, string> }).cookies = this.cookies;
    return other;
  }

  /** The browser's session id (from its session cookie). */
  get sessionId(): string | undefined {
    return this.cookies.get('ps_session')?.split('.')[0];
  }
}
