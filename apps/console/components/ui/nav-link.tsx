"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";

/** A header link that marks itself current (exact for "/", prefix for sections). */
export function NavLink({ href, children, testId }: { href: string; children: ReactNode; testId?: string }) {
  const pathname = usePathname();
  const current = href === "/" ? pathname === "/" || pathname.startsWith("/agents") : pathname.startsWith(href);
  return (
    <Link href={href} className="nav-link" aria-current={current ? "page" : undefined} data-testid={testId}>
      {children}
    </Link>
  );
}
