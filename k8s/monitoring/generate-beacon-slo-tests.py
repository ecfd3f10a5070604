# Generates k8s/monitoring/tests/beacon-slo-*-test.yaml (the YAML is committed too). Run from the repo root: python3 k8s/monitoring/generate-beacon-slo-tests.py
import yaml, sys
def ser(*segs):
    v = 0; out = ["0"]
    for inc, n in segs:
        out.append(f"{v+inc}+{inc}x{n-1}"); v += inc*n
    return " ".join(out)
L = 'namespace="beacon",job="beacon",instance="node-1"'
def opened(*segs): return {"series": f'beacon_streams_opened_total{{{L}}}', "values": ser(*segs)}
def failed(reason, *segs):
    lab = 'namespace="beacon",job="beacon",reason="%s",instance="node-1"' % reason
    return {"series": "beacon_streams_failed_total{" + lab + "}", "values": ser(*segs)}
BURN = {"BeaconErrorBudgetBurnFast": ("critical","page","1h","2% of the 30-day error budget in 1 hour"),
        "BeaconErrorBudgetBurnMedium": ("critical","page","6h","5% of the 30-day error budget in 6 hours"),
        "BeaconErrorBudgetBurnSlow": ("warning","ticket","1d","10% of the 30-day error budget in 1 day"),
        "BeaconErrorBudgetBurnSlowest": ("warning","ticket","3d","10% of the 30-day error budget in 3 days")}
def fires(name, at):
    sev, kind, lw, what = BURN[name]
    return {"eval_time": at, "alertname": name, "exp_alerts": [{
        "exp_labels": {"severity": sev, "notify": kind, "slo": "beacon-availability", "namespace": "beacon", "job": "beacon"},
        "exp_annotations": {
            "summary": f"Beacon streams fail by the beacon's fault at {dict(BeaconErrorBudgetBurnFast='14.4',BeaconErrorBudgetBurnMedium='6',BeaconErrorBudgetBurnSlow='3',BeaconErrorBudgetBurnSlowest='1')[name]}x the 99.9% budget rate ({lw} and {dict(BeaconErrorBudgetBurnFast='5m',BeaconErrorBudgetBurnMedium='30m',BeaconErrorBudgetBurnSlow='2h',BeaconErrorBudgetBurnSlowest='6h')[name]})",
            "description": f"In beacon/beacon, stream attempts fail for a reason that is the beacon's own (forward_failed, internal_error) over the last {lw} and now; at this rate {what} is spent.",
            "runbook_url": "docs/runbooks.md#" + name.lower()}}]}
def quiet(name, at): return {"eval_time": at, "alertname": name, "exp_alerts": []}

# ---- file 1: the fast and medium pairs, 1-minute samples
tests = []
# 1. fast: 1.5% of attempts fail by the beacon's fault, sustained: fires once both 1h and 5m are above 1.44%
tests.append({"name": "fast burn: 1.5% errors sustained for 70m pages (14.4x = 1.44%)", "interval": "1m",
  "input_series": [opened((985, 70)), failed("forward_failed", (15, 70))],
  "alert_rule_test": [fires("BeaconErrorBudgetBurnFast", "70m")]})
# 2. just under: 1.3% sustained: quiet
tests.append({"name": "fast burn: 1.3% errors sustained for 2h stays quiet (just under 1.44%)", "interval": "1m",
  "input_series": [opened((987, 120)), failed("forward_failed", (13, 120))],
  "alert_rule_test": [quiet("BeaconErrorBudgetBurnFast", "60m"), quiet("BeaconErrorBudgetBurnFast", "120m")]})
# 3. a 5-minute spike of 10% errors after 6h clean: the 5m window sees it, the 1h window does not (0.8%)
tests.append({"name": "fast burn: a 5-minute spike that only the 5m window sees stays quiet", "interval": "1m",
  "input_series": [opened((1000, 370)), failed("forward_failed", (0, 360), (100, 5), (0, 5))],
  "alert_rule_test": [quiet("BeaconErrorBudgetBurnFast", "365m"), quiet("BeaconErrorBudgetBurnMedium", "365m")]})
# 4. recovery: after 1h at 2% the errors stop; the 5m window clears the page within minutes though the 1h is still high
tests.append({"name": "fast burn: fires during a 2% burn and clears once the 5m window is clean", "interval": "1m",
  "input_series": [opened((980, 80)), failed("forward_failed", (20, 65), (0, 15))],
  "alert_rule_test": [fires("BeaconErrorBudgetBurnFast", "64m"), quiet("BeaconErrorBudgetBurnFast", "75m")]})
# 5. failures that are the client's or the customer's bridge's do not count, however many
tests.append({"name": "client- and bridge-side failures (unknown_bridge, forbidden, overloaded, broken...) never burn the budget", "interval": "1m",
  "input_series": [opened((500, 90)), failed("unknown_bridge", (300, 90)), failed("forbidden", (100, 90)),
                   failed("overloaded", (100, 90)), failed("draining", (50, 90)), failed("broken", (200, 90)),
                   failed("protocol_error", (10, 90))],
  "alert_rule_test": [quiet("BeaconErrorBudgetBurnFast", "90m"), quiet("BeaconErrorBudgetBurnMedium", "90m")]})
# 6. internal_error counts like forward_failed
tests.append({"name": "internal_error counts against the budget like forward_failed", "interval": "1m",
  "input_series": [opened((980, 70)), failed("internal_error", (10, 70)), failed("forward_failed", (10, 70))],
  "alert_rule_test": [fires("BeaconErrorBudgetBurnFast", "70m")]})
# 7. medium: 1% sustained for 6h pages (6x = 0.6%), below the fast threshold
tests.append({"name": "medium burn: 1% errors sustained for 6h pages (6x = 0.6%), the fast alert stays quiet", "interval": "1m",
  "input_series": [opened((990, 370)), failed("forward_failed", (10, 370))],
  "alert_rule_test": [fires("BeaconErrorBudgetBurnMedium", "370m"), quiet("BeaconErrorBudgetBurnFast", "370m")]})
# 8. medium just under: 0.55%
tests.append({"name": "medium burn: 0.55% sustained for 6h stays quiet (just under 0.6%)", "interval": "1m",
  "input_series": [opened((9945, 370)), failed("forward_failed", (55, 370))],
  "alert_rule_test": [quiet("BeaconErrorBudgetBurnMedium", "370m")]})
# 9. medium spike: 30 minutes at 4% after 6h clean; the 6h window sees 0.33%
tests.append({"name": "medium burn: a 30-minute burst that only the 30m window sees stays quiet", "interval": "1m",
  "input_series": [opened((960, 400)), failed("forward_failed", (0, 370), (40, 30))],
  "alert_rule_test": [quiet("BeaconErrorBudgetBurnMedium", "400m")]})
# 10. recording rules: the ratio is errors / (opened + refused), broken excluded from both
tests.append({"name": "recording rules: error ratio = beacon-fault failures / (opened + refused)", "interval": "1m",
  "input_series": [opened((90, 40)), failed("forward_failed", (2, 40)), failed("unknown_bridge", (8, 40)), failed("broken", (50, 40))],
  "promql_expr_test": [
    {"expr": "round(beacon:stream_errors:ratio_rate5m * 1000)", "eval_time": "30m", "exp_samples": [{"labels": '{namespace="beacon",job="beacon"}', "value": 20}]},
    {"expr": "round(beacon:stream_attempts:rate30m * 60)", "eval_time": "30m", "exp_samples": [{"labels": '{namespace="beacon",job="beacon"}', "value": 100}]},
    {"expr": "round(beacon:stream_errors:rate30m * 60)", "eval_time": "30m", "exp_samples": [{"labels": '{namespace="beacon",job="beacon"}', "value": 2}]}]})
tests.append({"name": "recording rules: no failure series yet (counters appear with their first increment) gives a ratio of 0", "interval": "1m",
  "input_series": [opened((100, 20))],
  "promql_expr_test": [
    {"expr": "beacon:stream_errors:ratio_rate1h", "eval_time": "20m", "exp_samples": [{"labels": 'beacon:stream_errors:ratio_rate1h{namespace="beacon",job="beacon"}', "value": 0}]}]})
hdr = "# promtool unit tests: the beacon's availability SLI and its fast (14.4x, 1h/5m) and medium (6x, 6h/30m) burn-rate\n# alerts. Run: promtool test rules k8s/monitoring/tests/*.yaml (PrometheusRulesTest does).\n"
open("k8s/monitoring/tests/beacon-slo-fast-test.yaml","w").write(hdr + yaml.safe_dump({"rule_files": ["../../charts/beacon/files/prometheus-rules.yaml"], "evaluation_interval": "1m", "tests": tests}, sort_keys=False, width=200))

# ---- file 2: the ticket pairs (1d/2h at 3x, 3d/6h at 1x), 5-minute samples to keep 3 days cheap
tests = []
tests.append({"name": "slow burn: 0.5% errors sustained for 1d opens a ticket (3x = 0.3%)", "interval": "5m",
  "input_series": [opened((4975, 300)), failed("forward_failed", (25, 300))],
  "alert_rule_test": [fires("BeaconErrorBudgetBurnSlow", "1d"), quiet("BeaconErrorBudgetBurnMedium", "1d")]})
tests.append({"name": "slow burn: 0.28% sustained for 1d stays quiet (just under 0.3%)", "interval": "5m",
  "input_series": [opened((4986, 300)), failed("forward_failed", (14, 300))],
  "alert_rule_test": [quiet("BeaconErrorBudgetBurnSlow", "1d")]})
tests.append({"name": "slow burn: 2 hours at 1% after a clean day stays quiet (the 1d window sees 0.08%)", "interval": "5m",
  "input_series": [opened((4950, 312)), failed("forward_failed", (0, 288), (50, 24))],
  "alert_rule_test": [quiet("BeaconErrorBudgetBurnSlow", "26h")]})
tests.append({"name": "slowest burn: 0.2% errors sustained for 3d opens a ticket (1x = 0.1%)", "interval": "5m",
  "input_series": [opened((4990, 870)), failed("forward_failed", (10, 870))],
  "alert_rule_test": [fires("BeaconErrorBudgetBurnSlowest", "72h"), quiet("BeaconErrorBudgetBurnSlow", "72h")]})
tests.append({"name": "slowest burn: 0.09% sustained for 3d stays quiet (just under 0.1%)", "interval": "5m",
  "input_series": [opened((99910, 870)), failed("forward_failed", (90, 870))],
  "alert_rule_test": [quiet("BeaconErrorBudgetBurnSlowest", "72h")]})
tests.append({"name": "slowest burn: 6 hours at 0.5% after 3 clean days stays quiet (the 3d window sees 0.04%)", "interval": "5m",
  "input_series": [opened((4975, 936)), failed("forward_failed", (0, 864), (25, 72))],
  "alert_rule_test": [quiet("BeaconErrorBudgetBurnSlowest", "78h")]})
hdr = "# promtool unit tests: the beacon's ticket burn-rate alerts, slow (3x, 1d/2h) and slowest (1x, 3d/6h), with 5-minute\n# samples so that three days stay cheap. Run: promtool test rules k8s/monitoring/tests/*.yaml.\n"
open("k8s/monitoring/tests/beacon-slo-slow-test.yaml","w").write(hdr + yaml.safe_dump({"rule_files": ["../../charts/beacon/files/prometheus-rules.yaml"], "evaluation_interval": "5m", "tests": tests}, sort_keys=False, width=200))
