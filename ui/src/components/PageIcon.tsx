import type { PageId } from "../pages";

// Simple line icons drawn inline, so the app needs no icon font or network.
const paths: Record<PageId, string> = {
  chat: "M4 5h16v10H8l-4 4z",
  sandbox: "M8 8l-4 4 4 4M16 8l4 4-4 4M13 6l-2 12",
  connections: "M7 12h10M4 9v6M20 9v6M9 7a5 5 0 0 0 0 10M15 7a5 5 0 0 1 0 10",
  memory: "M5 5h14v4H5zM5 11h14v4H5zM5 17h14v2H5z",
  traces: "M4 18h16M6 15l4-6 4 4 4-7",
  settings: "M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6zM12 3v3M12 18v3M3 12h3M18 12h3M5.6 5.6l2.1 2.1M16.3 16.3l2.1 2.1M5.6 18.4l2.1-2.1M16.3 7.7l2.1-2.1",
  status: "M12 3l8 4v5c0 5-3.5 8-8 9-4.5-1-8-4-8-9V7zM8.5 12l2.5 2.5 4.5-5",
};

export function PageIcon({ page }: { page: PageId }) {
  return (
    <svg className="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={paths[page]} fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
