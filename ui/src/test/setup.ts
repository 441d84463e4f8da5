import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

// findBy*/waitFor give up after 1 s by default; on a 2-core machine running the whole suite
// a page's first render can take longer, and a slow pass is not a failure.
configure({ asyncUtilTimeout: 5_000 });

afterEach(() => cleanup());
