# Generates k8s/charts/beacon/files/grafana-dashboard.json (committed too; the chart puts it in a ConfigMap for the
# Grafana sidecar). Run from the repo root: python3 k8s/monitoring/generate-grafana-dashboard.py
import json

DS = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
B = 'namespace=~"$namespace", job=~"(.*-)?beacon"'
panels = []
pid = [0]
y = [0]

def nid():
    pid[0] += 1
    return pid[0]

def row(title):
    panels.append({"type": "row", "title": title, "id": nid(), "collapsed": False,
                   "gridPos": {"h": 1, "w": 24, "x": 0, "y": y[0]}, "panels": []})
    y[0] += 1

def panel(kind, title, targets, x, w, h=8, unit=None, desc=None, opts=None, field=None, newline=False):
    p = {"type": kind, "title": title, "id": nid(), "datasource": DS,
         "gridPos": {"h": h, "w": w, "x": x, "y": y[0]},
         "targets": [{"datasource": DS, "refId": chr(65 + i), "expr": e, "legendFormat": l,
                      **({"instant": True, "range": False, "format": "table"} if kind in ("table",) else {})}
                     for i, (e, l) in enumerate(targets)],
         "fieldConfig": {"defaults": {**({"unit": unit} if unit else {}), **(field or {})}, "overrides": []},
         "options": opts or {}}
    if desc: p["description"] = desc
    panels.append(p)
    if x + w >= 24: y[0] += h

def stat(title, expr, x, w, unit, desc, steps, decimals=3):
    panel("stat", title, [(expr, "")], x, w, h=5, unit=unit, desc=desc,
          opts={"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}, "colorMode": "value",
                "graphMode": "area", "textMode": "auto"},
          field={"decimals": decimals, "thresholds": {"mode": "absolute", "steps": steps}, "color": {"mode": "thresholds"}})

TS = {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True}, "tooltip": {"mode": "multi", "sort": "desc"}}
RED_GREEN = [{"color": "red", "value": None}, {"color": "orange", "value": 0.998}, {"color": "green", "value": 0.999}]

row("SLI: streams not failed by the beacon's fault (target 99.9%)")
stat("Availability, last 1 h", f'1 - sum(beacon:stream_errors:ratio_rate1h{{namespace=~"$namespace"}})', 0, 6, "percentunit",
     "1 - beacon-fault failures (forward_failed, internal_error) / attempts. See docs/runbooks.md#availability-sli", RED_GREEN)
stat("Availability, last 1 d", f'1 - sum(beacon:stream_errors:ratio_rate1d{{namespace=~"$namespace"}})', 6, 6, "percentunit", None, RED_GREEN)
stat("Availability, last 3 d", f'1 - sum(beacon:stream_errors:ratio_rate3d{{namespace=~"$namespace"}})', 12, 6, "percentunit", None, RED_GREEN)
stat("Error budget left (30 d, at the 3 d rate)", f'sum(beacon:error_budget:remaining_ratio30d{{namespace=~"$namespace"}})', 18, 6, "percentunit",
     "1 - (3-day error ratio / 0.1%): the share of a 30-day budget left if the last 3 days' rate held",
     [{"color": "red", "value": None}, {"color": "orange", "value": 0.25}, {"color": "green", "value": 0.5}], decimals=1)
panel("timeseries", "Burn rate (error ratio / 0.1%)", [
    (f'sum by (namespace) (beacon:stream_errors:ratio_rate5m{{namespace=~"$namespace"}}) / 0.001', "5m"),
    (f'sum by (namespace) (beacon:stream_errors:ratio_rate1h{{namespace=~"$namespace"}}) / 0.001', "1h"),
    (f'sum by (namespace) (beacon:stream_errors:ratio_rate6h{{namespace=~"$namespace"}}) / 0.001', "6h"),
    (f'sum by (namespace) (beacon:stream_errors:ratio_rate1d{{namespace=~"$namespace"}}) / 0.001', "1d"),
    (f'sum by (namespace) (beacon:stream_errors:ratio_rate3d{{namespace=~"$namespace"}}) / 0.001', "3d")], 0, 12, unit="suffix:x",
    desc="The alerts page at 14.4x (1h and 5m) and 6x (6h and 30m), open tickets at 3x (1d and 2h) and 1x (3d and 6h)",
    opts=TS, field={"thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "orange", "value": 6},
                                                                  {"color": "red", "value": 14.4}]},
                    "custom": {"thresholdsStyle": {"mode": "line"}}})
panel("timeseries", "Stream failures by reason", [
    (f'sum by (reason) (rate(beacon_streams_failed_total{{{B}}}[$__rate_interval]))', "{{reason}}")], 12, 12, unit="ops",
    desc="Counted in the SLI: forward_failed, internal_error. Not counted: unknown_bridge, overloaded, draining, forbidden, protocol_error, broken (see the runbook)",
    opts=TS)

row("Streams and bytes")
panel("timeseries", "Streams opened and failed", [
    (f'sum(rate(beacon_streams_opened_total{{{B}}}[$__rate_interval]))', "opened"),
    (f'sum(rate(beacon_streams_failed_total{{{B}, reason!="broken"}}[$__rate_interval]))', "refused"),
    (f'sum(rate(beacon_streams_failed_total{{{B}, reason=~"forward_failed|internal_error"}}[$__rate_interval]))', "beacon's fault"),
    (f'sum by (direction) (rate(beacon_forwarded_streams_total{{{B}}}[$__rate_interval]))', "forwarded {{direction}}")], 0, 8, unit="ops", opts=TS)
panel("timeseries", "Active streams by node", [
    (f'sum by (instance) (beacon_streams_active{{{B}}})', "{{instance}}")], 8, 8, unit="short", opts=TS)
panel("timeseries", "Stream setup time", [
    (f'histogram_quantile(0.5, sum by (le) (rate(beacon_stream_setup_seconds_bucket{{{B}}}[$__rate_interval])))', "p50"),
    (f'histogram_quantile(0.95, sum by (le) (rate(beacon_stream_setup_seconds_bucket{{{B}}}[$__rate_interval])))', "p95"),
    (f'histogram_quantile(0.99, sum by (le) (rate(beacon_stream_setup_seconds_bucket{{{B}}}[$__rate_interval])))', "p99")], 16, 8, unit="s",
    desc="From a wrapper's CONNECT to CONNECTED, including the wait for a bridge data connection", opts=TS)
panel("timeseries", "Bytes relayed", [
    (f'sum by (direction) (rate(beacon_relayed_bytes_total{{{B}}}[$__rate_interval]))', "{{direction}}"),
    (f'sum(rate(beacon_forwarded_bytes_total{{{B}}}[$__rate_interval]))', "over node-to-node links")], 0, 8, unit="Bps", opts=TS)
panel("timeseries", "Handshake failures by reason", [
    (f'sum by (reason) (rate(beacon_handshake_failures_total{{{B}}}[$__rate_interval]))', "{{reason}}")], 8, 8, unit="ops", opts=TS)
panel("timeseries", "Errors sent by code", [
    (f'sum by (code) (rate(beacon_errors_sent_total{{{B}}}[$__rate_interval]))', "{{code}}")], 16, 8, unit="ops", opts=TS)

row("Nodes and bridges")
panel("timeseries", "Nodes up", [
    (f'up{{{B}}}', "{{instance}}"),
    (f'max(beacon_cluster_members{{{B}, state="reachable"}})', "cluster members reachable"),
    (f'max(beacon_cluster_members{{{B}, state="unreachable"}})', "cluster members unreachable")], 0, 8, unit="short", opts=TS)
panel("timeseries", "Bridges registered by node", [
    (f'beacon_bridges_registered{{{B}}}', "{{instance}}")], 8, 8, unit="short",
    desc="Every bridge holds every node: the lines should coincide (alert BeaconBridgeHeldByFewerNodes)", opts=TS)
panel("timeseries", "Bridge registrations refused, idle data connections", [
    (f'sum by (reason) (rate(beacon_bridge_registrations_refused_total{{{B}}}[$__rate_interval]))', "refused {{reason}}"),
    (f'sum by (instance) (beacon_bridge_idle_data_connections{{{B}}})', "idle data {{instance}}")], 16, 8, unit="short", opts=TS)

BR = 'job=~"(.*-)?bridge"'
row("Bridge and OpenBao")
panel("timeseries", "OpenBao nodes by state (as the bridge sees them)", [
    (f'sum by (state) (bridge_openbao_nodes{{{BR}}})', "{{state}}")], 0, 8, unit="short",
    opts=TS, field={"custom": {"stacking": {"mode": "normal"}, "fillOpacity": 30}})
panel("stat", "OpenBao leader", [(f'min(bridge:openbao_leader:present{{{BR}}})', "")], 8, 4, unit="none",
      opts={"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}, "colorMode": "background"},
      field={"mappings": [{"type": "value", "options": {"0": {"text": "no leader", "color": "red"}, "1": {"text": "leader", "color": "green"}}}],
             "thresholds": {"mode": "absolute", "steps": [{"color": "red", "value": None}, {"color": "green", "value": 1}]}})
panel("timeseries", "OpenBao requests by outcome, leader changes", [
    (f'sum by (outcome) (rate(bridge_openbao_requests_total{{{BR}}}[$__rate_interval]))', "{{outcome}}"),
    (f'sum(increase(bridge_openbao_leader_changes_total{{{BR}}}[$__rate_interval]))', "leader changes")], 12, 12, unit="short", opts=TS)
panel("timeseries", "Beacon nodes held by each bridge", [
    (f'bridge:beacon_nodes_held:count{{{BR}}}', "{{instance}}")], 0, 12, unit="short", opts=TS)
panel("timeseries", "Bridge streams by result", [
    (f'sum by (result) (rate(bridge_streams_total{{{BR}}}[$__rate_interval]))', "{{result}}")], 12, 12, unit="ops", opts=TS)

SP = 'job=~"(.*-)?status-page"'
row("Status page probes (from outside)")
panel("timeseries", "Probe success by location and component (5m)", [
    ('status:probe_success:ratio_rate5m{component=~"$component"}', "{{location}} {{component}}")], 0, 12, unit="percentunit",
    opts=TS, field={"min": 0, "max": 1})
panel("timeseries", "Probe latency p95 by location and component", [
    ('status:probe_latency_seconds:p95_5m{component=~"$component"}', "{{location}} {{component}}")], 12, 12, unit="s", opts=TS)
panel("timeseries", "Status page view age", [
    (f'status_page_view_age_seconds{{{SP}}}', "{{instance}}")], 0, 12, unit="s",
    desc="Alert StatusPageStale above 300 s for 5 minutes", opts=TS)
panel("timeseries", "Probe results waiting for the database, dropped", [
    (f'status_store_pending{{{SP}}}', "pending {{instance}}"), (f'status_store_dropped{{{SP}}}', "dropped {{instance}}")], 12, 12, unit="short", opts=TS)

row("Certificates")
DAYS = {"thresholds": {"mode": "absolute", "steps": [{"color": "red", "value": None}, {"color": "orange", "value": 7}, {"color": "green", "value": 30}]},
        "color": {"mode": "thresholds"}, "decimals": 1}
panel("bargauge", "Days left: certificates loaded by beacon nodes and bridges", [
    ('min by (job, instance, certificate, kind) ((tls_certificate_expiry_timestamp_seconds{job=~"(.*-)?(beacon|bridge)"} - time()) / 86400)',
     "{{job}} {{instance}} {{certificate}} {{kind}}")], 0, 12, h=10, unit="d",
    opts={"orientation": "horizontal", "displayMode": "basic", "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}},
    field=DAYS)
panel("bargauge", "Days left: node certificates seen from outside", [
    ('min by (node) (status:node_certificate_expiry:seconds_left) / 86400', "{{node}}")], 12, 12, h=10, unit="d",
    opts={"orientation": "horizontal", "displayMode": "basic", "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}},
    field=DAYS)

dashboard = {
    "__inputs": [{"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource", "pluginId": "prometheus", "pluginName": "Prometheus"}],
    "uid": "beacon-overview", "title": "Beacon", "description": "The beacon's availability SLI and error budget, streams, nodes and bridges, OpenBao as the bridge sees it, the status page's probes, certificates. Runbooks: docs/runbooks.md",
    "tags": ["beacon"], "timezone": "utc", "schemaVersion": 39, "version": 1, "editable": True, "graphTooltip": 1,
    "time": {"from": "now-6h", "to": "now"}, "refresh": "1m",
    "templating": {"list": [
        {"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource", "query": "prometheus", "current": {}, "hide": 0, "refresh": 1},
        {"name": "namespace", "label": "Namespace", "type": "query", "datasource": DS, "query": {"query": "label_values(beacon_streams_opened_total, namespace)", "refId": "ns"},
         "definition": "label_values(beacon_streams_opened_total, namespace)", "includeAll": True, "multi": True, "allValue": ".*", "current": {}, "refresh": 2, "hide": 0},
        {"name": "component", "label": "Probe component", "type": "query", "datasource": DS, "query": {"query": "label_values(status_probe_success, component)", "refId": "comp"},
         "definition": "label_values(status_probe_success, component)", "includeAll": True, "multi": True, "allValue": ".*", "current": {}, "refresh": 2, "hide": 0}]},
    "annotations": {"list": []},
    "panels": panels,
}
open("k8s/charts/beacon/files/grafana-dashboard.json", "w").write(json.dumps(dashboard, indent=2) + "\n")
