// Shown while the agent page's server part resolves; the live parts load on their own after.
export default function AgentLoading() {
  return (
    <div className="stack" aria-busy="true" aria-label="Loading agent" data-testid="agent-loading">
      <div>
        <div className="skeleton" style={{ height: 12, width: 120, marginBottom: 8 }} />
        <div className="skeleton" style={{ height: 24, width: 220 }} />
      </div>
      <div className="card" style={{ height: 84 }} />
      <div className="card card-body">
        <div className="skeleton" style={{ height: 16, width: 120, marginBottom: 16 }} />
        {Array.from({ length: 3 }, (_, i) => (
          <div key={i} className="skeleton" style={{ height: 14, marginBottom: 12 }} />
        ))}
      </div>
      <div className="card" style={{ height: 280 }} />
    </div>
  );
}
