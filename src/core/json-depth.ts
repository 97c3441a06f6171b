// How deep JSON nests, checked without recursion: values from servers (schemas) and from people (`--args`) may be
// nested thousands deep, which would overflow the stack of anything that walks them recursively.

/**
 * Whether JSON nesting (objects and arrays) goes deeper than `max`; the top-level object is depth 1. Iterative with an
 * explicit stack, and it stops at the first node past the limit, so a 10,000-deep value costs `max` steps down.
 */
export function exceedsDepth(value: unknown, max: number): boolean {
  const stack: Array<{depth: number; node: unknown}> = [{depth: 1, node: value}]
  while (stack.length > 0) {
    const {depth, node} = stack.pop()!
    if (node === null || typeof node !== 'object') continue
    if (depth > max) return true
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push({depth: depth + 1, node: child})
    }
  }
  return false
}
