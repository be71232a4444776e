# SPDX-License-Identifier: MIT
"""OTLP metrics over --otlp-endpoint: tools/demo_agent.py against tools/fake_llm.py traced with
--otlp-endpoint to tests/e2e/otlp_receiver.py. The metrics reach /v1/metrics beside the spans'
/v1/traces, in protobuf (the default) and in JSON, and the last request (cumulative, sent at
exit) has exactly the tokens per gen_ai.token.type and the number of LLM calls the fake API
logged."""
import json
import os

from lib import PORT_FILE, PY, TOP, FakeLLM, Server, Workdir, check, eq, run_traced

DEMO_AGENT = os.path.join(TOP, "tools/demo_agent.py")
RECEIVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "otlp_receiver.py")


def points(body, name):
    """[(attributes dict, data point)] of metric name in one MetricsData."""
    out = []
    for rm in body.get("resourceMetrics", []):
        for sm in rm.get("scopeMetrics", []):
            for m in sm.get("metrics", []):
                if m.get("name") != name:
                    continue
                agg = m.get("histogram") or m.get("sum") or {}
                eq(agg.get("aggregationTemporality"), 2, name + ": cumulative")
                for dp in agg.get("dataPoints", []):
                    kv = {a["key"]: a["value"].get("stringValue")
                          for a in dp.get("attributes", [])}
                    out.append((kv, dp))
    return out


def export_run(protocol):
    """The receiver's request records of one traced demo_agent run, and the fake API's log."""
    work = Workdir()
    out = work.file("received.jsonl")
    env = dict(os.environ)
    env.pop("OTEL_EXPORTER_OTLP_PROTOCOL", None)
    if protocol:
        env["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol
    fake = FakeLLM(work)
    try:
        with Server(work, "receiver", [PY, RECEIVER, "--port-file", PORT_FILE,
                                       "--out", out]) as srv:
            cmd = [PY, DEMO_AGENT, "--base-url", fake.url, "--provider", "openai", "--stream",
                   "--cafile", fake.cafile]
            run_traced(work, cmd, extra=["--otlp-endpoint", srv.url], env=env)
        llm = fake.llm()
    finally:
        fake.stop()
    recs = [json.loads(line) for line in open(out)] if os.path.exists(out) else []
    return recs, llm


def check_metrics(protocol, ctype):
    recs, llm = export_run(protocol)
    check(llm, "the agent called the fake API")
    eq({r["status"] for r in recs}, {200}, "every request accepted")
    eq({r["content_type"] for r in recs}, {ctype}, "content type")
    eq([r["error"] for r in recs if r["error"]], [], "every request decoded")
    paths = [r["path"] for r in recs]
    check("/v1/traces" in paths, "spans sent (paths: %s)" % paths)
    metrics = [r for r in recs if r["path"] == "/v1/metrics"]
    check(metrics, "metrics sent at exit (paths: %s)" % paths)
    last = metrics[-1]["body"]
    want = {"input": sum(r["response"]["usage"]["input_tokens"] for r in llm),
            "output": sum(r["response"]["usage"]["output_tokens"] for r in llm)}
    got = {}
    for kv, dp in points(last, "gen_ai.client.token.usage"):
        eq(kv.get("gen_ai.provider.name"), "openai", "provider")
        eq(kv.get("gen_ai.operation.name"), "chat", "operation")
        t = kv["gen_ai.token.type"]
        got[t] = got.get(t, 0) + dp["sum"]
        eq(len(dp["bucketCounts"]), len(dp["explicitBounds"]) + 1, "one bucket more than bounds")
        eq(sum(int(c) for c in dp["bucketCounts"]), int(dp["count"]), "buckets add up to count")
    eq(got, want, "tokens per gen_ai.token.type")
    calls = sum(int(dp["count"]) for _, dp in points(last, "gen_ai.client.operation.duration"))
    eq(calls, len(llm), "operations: one per LLM call")


def test_metrics_export_protobuf():
    check_metrics(None, "application/x-protobuf")


def test_metrics_export_json():
    check_metrics("http/json", "application/json")
