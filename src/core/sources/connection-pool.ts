// Connections kept open across calls, for a long-running caller (the gateway). Each kind of source keeps its own
// state here (an MCP server's pooled sessions); callers only create the pool and close it.

/** What a kind of source keeps in a pool. */
export interface PooledState {
  close(): Promise<void>
}

export class ConnectionPool {
  private readonly states = new Map<string, PooledState>()
  private closing?: Promise<void>

  /** The state `kind` keeps in this pool, created on first use. */
  state<T extends PooledState>(kind: string, create: () => T): T {
    let state = this.states.get(kind)
    if (!state) {
      state = create()
      this.states.set(kind, state)
    }

    return state as T
  }

  close(): Promise<void> {
    this.closing ??= Promise.all([...this.states.values()].map((state) => state.close().catch(() => {}))).then(() => {})
    return this.closing
  }
}
