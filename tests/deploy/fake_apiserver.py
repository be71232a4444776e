# SPDX-License-Identifier: MIT
"""
The part of a Kubernetes API server that `kubectl apply --dry-run=client` talks to: discovery
(which kinds exist, in which group and version, namespaced or not) and a 404 for every object
it looks up, so that each object of a manifest is "created (dry run)". kubectl needs a server
for discovery even in client dry-run; none runs here. It does not validate: k8s_schema.py does.
"""
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# group/version -> [(kind, plural, namespaced)]: the kinds tools/deploy uses
RESOURCES = {
    "v1": [("Namespace", "namespaces", False), ("ServiceAccount", "serviceaccounts", True),
           ("ConfigMap", "configmaps", True), ("Service", "services", True),
           ("Secret", "secrets", True), ("Pod", "pods", True)],
    "apps/v1": [("DaemonSet", "daemonsets", True), ("Deployment", "deployments", True),
                ("ReplicaSet", "replicasets", True)],
    "rbac.authorization.k8s.io/v1": [("ClusterRole", "clusterroles", False),
                                     ("ClusterRoleBinding", "clusterrolebindings", False)],
}
VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]


def resource_list(gv):
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv,
            "resources": [{"name": plural, "singularName": kind.lower(), "namespaced": ns,
                           "kind": kind, "verbs": VERBS}
                          for kind, plural, ns in RESOURCES[gv]]}


def group_list():
    groups = []
    for gv in RESOURCES:
        if "/" not in gv:
            continue
        group, version = gv.split("/")
        v = {"groupVersion": gv, "version": version}
        groups.append({"name": group, "versions": [v], "preferredVersion": v})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send_json(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/api":
            return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"],
                                        "serverAddressByClientCIDRs": []})
        if path == "/apis":
            return self.send_json(200, group_list())
        if path == "/version":
            return self.send_json(200, {"major": "1", "minor": "32", "gitVersion": "v1.32.0"})
        m = re.fullmatch(r"/api/(v1)|/apis/([^/]+/[^/]+)", path)
        if m:
            return self.send_json(200, resource_list(m.group(1) or m.group(2)))
        # an object: not there, so apply creates it
        self.send_json(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                             "reason": "NotFound", "code": 404, "message": "not found"})


def start():
    """A server on 127.0.0.1 (an ephemeral port), in a thread: its http:// URL and itself."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return "http://127.0.0.1:%d" % srv.server_address[1], srv
