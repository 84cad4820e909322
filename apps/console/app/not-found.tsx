import Link from "next/link";

export default function NotFound() {
  return (
    <main className="app-main" style={{ minHeight: "70vh", justifyContent: "center", alignItems: "center", textAlign: "center" }}>
      <h1>Page not found</h1>
      <p className="muted">There is nothing at this address.</p>
      <Link className="btn" href="/" data-testid="not-found-home">
        Go to the fleet
      </Link>
    </main>
  );
}
