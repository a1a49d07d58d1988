// Route keys in API Gateway form ("PUT /documents/{key+}") matched against request paths.

export interface CompiledRoute {
  routeKey: string;
  method: string;
  regex: RegExp;
  params: string[];
  functionName: string;
}

export function compileRoute(routeKey: string, functionName: string): CompiledRoute {
  const [method, path] = routeKey.split(" ");
  const params: string[] = [];
  const pattern = path
    .split("/")
    .map((seg) => {
      const m = /^\{(\w+)(\+)?\}$/.exec(seg);
      if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      params.push(m[1]);
      return m[2] ? "(.+)" : "([^/]+)";
    })
    .join("/");
  return { routeKey, method, regex: new RegExp(`^${pattern}$`), params, functionName };
}

/** The best route for a method and path: exact segments win over greedy ones. */
export function matchRoute(
  routes: CompiledRoute[],
  method: string,
  path: string,
): { route: CompiledRoute; pathParameters: Record<string, string> } | undefined {
  const hits = routes.flatMap((route) => {
    if (route.method !== method && route.method !== "ANY") return [];
    const m = route.regex.exec(path);
    if (!m) return [];
    return [{ route, pathParameters: Object.fromEntries(route.params.map((p, i) => [p, m[i + 1]])) }];
  });
  return hits.sort((a, b) => Number(a.route.routeKey.includes("+}")) - Number(b.route.routeKey.includes("+}")))[0];
}

/** The methods some route accepts on this path, sorted (the `Allow` header of a 405); empty for an unknown path. */
export function allowedMethods(routes: CompiledRoute[], path: string): string[] {
  return [...new Set(routes.filter((r) => r.regex.test(path)).map((r) => r.method))].sort();
}
