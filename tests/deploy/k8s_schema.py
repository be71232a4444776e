# SPDX-License-Identifier: MIT
"""
A subset of the Kubernetes API's OpenAPI schema: the kinds and fields tools/deploy uses, with
their types, required fields and the enumerations the API server checks. A field not listed
is an error (as `kubectl apply --validate=strict` reports an unknown field), so a misspelt or
misplaced field cannot pass. check(obj) returns the list of errors ("path: what").
"""
import re

S, I, B = "string", "integer", "boolean"
QTY = "quantity"  # "128Mi", "50m", 1
IOS = "int-or-string"  # a port number or name
ANY = "any"


def L(t):
    return ("list", t)


def M(t):
    return ("map", t)


def E(*vals):
    return ("enum", vals)


CAPS = E("AUDIT_CONTROL", "AUDIT_READ", "AUDIT_WRITE", "BLOCK_SUSPEND", "BPF",
         "CHECKPOINT_RESTORE", "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID",
         "IPC_LOCK", "IPC_OWNER", "KILL", "LEASE", "LINUX_IMMUTABLE", "MAC_ADMIN",
         "MAC_OVERRIDE", "MKNOD", "NET_ADMIN", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_RAW",
         "PERFMON", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYSLOG", "SYS_ADMIN", "SYS_BOOT",
         "SYS_CHROOT", "SYS_MODULE", "SYS_NICE", "SYS_PACCT", "SYS_PTRACE", "SYS_RAWIO",
         "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "WAKE_ALARM", "ALL")

# name -> (fields, required)
T = {
    "ObjectMeta": ({"name": S, "namespace": S, "labels": M(S), "annotations": M(S)}, []),
    "LabelSelector": ({"matchLabels": M(S)}, []),
    "Namespace": ({"apiVersion": S, "kind": S, "metadata": "ObjectMeta"}, ["metadata"]),
    "ServiceAccount": ({"apiVersion": S, "kind": S, "metadata": "ObjectMeta",
                        "automountServiceAccountToken": B}, ["metadata"]),
    "ConfigMap": ({"apiVersion": S, "kind": S, "metadata": "ObjectMeta", "data": M(S)},
                  ["metadata"]),
    "Service": ({"apiVersion": S, "kind": S, "metadata": "ObjectMeta", "spec": "ServiceSpec"},
                ["metadata", "spec"]),
    "ServiceSpec": ({"selector": M(S), "ports": L("ServicePort"),
                     "type": E("ClusterIP", "NodePort", "LoadBalancer")}, ["ports"]),
    "ServicePort": ({"name": S, "port": I, "targetPort": IOS, "protocol": E("TCP", "UDP")},
                    ["port"]),
    "ClusterRole": ({"apiVersion": S, "kind": S, "metadata": "ObjectMeta",
                     "rules": L("PolicyRule")}, ["metadata"]),
    "PolicyRule": ({"apiGroups": L(S), "resources": L(S), "verbs": L(S)}, ["verbs"]),
    "ClusterRoleBinding": ({"apiVersion": S, "kind": S, "metadata": "ObjectMeta",
                            "roleRef": "RoleRef", "subjects": L("Subject")},
                           ["metadata", "roleRef"]),
    "RoleRef": ({"apiGroup": S, "kind": E("ClusterRole", "Role"), "name": S},
                ["apiGroup", "kind", "name"]),
    "Subject": ({"kind": E("ServiceAccount", "User", "Group"), "name": S, "namespace": S},
                ["kind", "name"]),
    "DaemonSet": ({"apiVersion": S, "kind": S, "metadata": "ObjectMeta",
                   "spec": "DaemonSetSpec"}, ["metadata", "spec"]),
    "DaemonSetSpec": ({"selector": "LabelSelector", "template": "PodTemplateSpec",
                       "updateStrategy": "DaemonSetUpdateStrategy"}, ["selector", "template"]),
    "DaemonSetUpdateStrategy": ({"type": E("RollingUpdate", "OnDelete"),
                                 "rollingUpdate": "RollingUpdate"}, []),
    "RollingUpdate": ({"maxUnavailable": IOS, "maxSurge": IOS}, []),
    "Deployment": ({"apiVersion": S, "kind": S, "metadata": "ObjectMeta",
                    "spec": "DeploymentSpec"}, ["metadata", "spec"]),
    "DeploymentSpec": ({"replicas": I, "selector": "LabelSelector",
                        "template": "PodTemplateSpec"}, ["selector", "template"]),
    "PodTemplateSpec": ({"metadata": "ObjectMeta", "spec": "PodSpec"}, []),
    "PodSpec": ({"serviceAccountName": S, "automountServiceAccountToken": B, "hostPID": B,
                 "priorityClassName": S, "terminationGracePeriodSeconds": I,
                 "tolerations": L("Toleration"), "nodeSelector": M(S),
                 "containers": L("Container"), "volumes": L("Volume"),
                 "securityContext": "PodSecurityContext"}, ["containers"]),
    "PodSecurityContext": ({"runAsUser": I, "runAsGroup": I, "runAsNonRoot": B,
                            "fsGroup": I}, []),
    "Toleration": ({"key": S, "operator": E("Exists", "Equal"), "value": S,
                    "effect": E("NoSchedule", "PreferNoSchedule", "NoExecute"),
                    "tolerationSeconds": I}, []),
    "Container": ({"name": S, "image": S, "imagePullPolicy": E("Always", "IfNotPresent",
                                                               "Never"),
                   "command": L(S), "args": L(S), "env": L("EnvVar"), "ports": L("ContainerPort"),
                   "livenessProbe": "Probe", "readinessProbe": "Probe", "startupProbe": "Probe",
                   "resources": "ResourceRequirements", "securityContext": "SecurityContext",
                   "volumeMounts": L("VolumeMount")}, ["name"]),
    "EnvVar": ({"name": S, "value": S, "valueFrom": "EnvVarSource"}, ["name"]),
    "EnvVarSource": ({"secretKeyRef": "KeySelector", "configMapKeyRef": "KeySelector",
                      "fieldRef": "FieldRef"}, []),
    "KeySelector": ({"name": S, "key": S, "optional": B}, ["key"]),
    "FieldRef": ({"fieldPath": S, "apiVersion": S}, ["fieldPath"]),
    "ContainerPort": ({"name": S, "containerPort": I, "protocol": E("TCP", "UDP"),
                       "hostPort": I}, ["containerPort"]),
    "Probe": ({"httpGet": "HTTPGetAction", "initialDelaySeconds": I, "periodSeconds": I,
               "timeoutSeconds": I, "failureThreshold": I, "successThreshold": I}, []),
    "HTTPGetAction": ({"path": S, "port": IOS, "scheme": E("HTTP", "HTTPS")}, ["port"]),
    "ResourceRequirements": ({"requests": M(QTY), "limits": M(QTY)}, []),
    "SecurityContext": ({"privileged": B, "runAsUser": I, "runAsNonRoot": B,
                         "readOnlyRootFilesystem": B, "allowPrivilegeEscalation": B,
                         "capabilities": "Capabilities", "seccompProfile": "SeccompProfile"},
                        []),
    "Capabilities": ({"add": L(CAPS), "drop": L(CAPS)}, []),
    "SeccompProfile": ({"type": E("RuntimeDefault", "Unconfined", "Localhost"),
                        "localhostProfile": S}, ["type"]),
    "VolumeMount": ({"name": S, "mountPath": S, "readOnly": B, "subPath": S,
                     "mountPropagation": E("None", "HostToContainer", "Bidirectional")},
                    ["name", "mountPath"]),
    "Volume": ({"name": S, "hostPath": "HostPathVolumeSource", "emptyDir": "EmptyDir",
                "configMap": "ConfigMapVolumeSource"}, ["name"]),
    "HostPathVolumeSource": ({"path": S, "type": E("", "DirectoryOrCreate", "Directory",
                                                   "FileOrCreate", "File", "Socket",
                                                   "CharDevice", "BlockDevice")}, ["path"]),
    "EmptyDir": ({"medium": E("", "Memory"), "sizeLimit": QTY}, []),
    "ConfigMapVolumeSource": ({"name": S, "items": L("KeyToPath")}, ["name"]),
    "KeyToPath": ({"key": S, "path": S}, ["key", "path"]),
}

# kind -> apiVersion
KINDS = {"Namespace": "v1", "ServiceAccount": "v1", "ConfigMap": "v1", "Service": "v1",
         "DaemonSet": "apps/v1", "Deployment": "apps/v1",
         "ClusterRole": "rbac.authorization.k8s.io/v1",
         "ClusterRoleBinding": "rbac.authorization.k8s.io/v1"}

QTY_RE = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$")
NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def check_value(v, t, path, errs):
    if t == ANY:
        return
    if isinstance(t, tuple):
        what, sub = t
        if what == "list":
            if not isinstance(v, list):
                errs.append("%s: a list, not %r" % (path, v))
                return
            for i, x in enumerate(v):
                check_value(x, sub, "%s[%d]" % (path, i), errs)
        elif what == "map":
            if not isinstance(v, dict):
                errs.append("%s: a map, not %r" % (path, v))
                return
            for k, x in v.items():
                if not isinstance(k, str):
                    errs.append("%s: key %r not a string" % (path, k))
                check_value(x, sub, "%s.%s" % (path, k), errs)
        elif what == "enum":
            if v not in sub:
                errs.append("%s: %r is not one of %s" % (path, v, ", ".join(map(str, sub))))
        return
    if t == S:
        if not isinstance(v, str):
            errs.append("%s: a string, not %r" % (path, v))
    elif t == I:
        if not isinstance(v, int) or isinstance(v, bool):
            errs.append("%s: an integer, not %r" % (path, v))
    elif t == B:
        if not isinstance(v, bool):
            errs.append("%s: a boolean, not %r" % (path, v))
    elif t == QTY:
        if isinstance(v, bool) or not (isinstance(v, int) or
                                       (isinstance(v, str) and QTY_RE.match(v))):
            errs.append("%s: a quantity, not %r" % (path, v))
    elif t == IOS:
        if isinstance(v, bool) or not isinstance(v, (int, str)):
            errs.append("%s: an integer or a string, not %r" % (path, v))
    else:
        fields, required = T[t]
        if not isinstance(v, dict):
            errs.append("%s: an object (%s), not %r" % (path, t, v))
            return
        for k in required:
            if k not in v:
                errs.append("%s: %s is required" % (path, k))
        for k, x in v.items():
            if k not in fields:
                errs.append("%s: unknown field %s (%s)" % (path, k, t))
            elif x is not None:
                check_value(x, fields[k], "%s.%s" % (path, k), errs)


def check(obj):
    """The errors of one object of a manifest, [] when it is valid."""
    errs = []
    if not isinstance(obj, dict):
        return ["not an object: %r" % (obj,)]
    kind = obj.get("kind")
    if kind not in KINDS:
        return ["kind %r is not one this schema knows" % (kind,)]
    if obj.get("apiVersion") != KINDS[kind]:
        errs.append("%s: apiVersion %r, not %s" % (kind, obj.get("apiVersion"), KINDS[kind]))
    check_value(obj, kind, kind, errs)
    meta = obj.get("metadata") or {}
    if not isinstance(meta.get("name"), str) or not NAME_RE.match(meta.get("name", "")):
        errs.append("%s: metadata.name %r is not a DNS label" % (kind, meta.get("name")))
    errs.extend(check_semantics(obj))
    return errs


def check_semantics(obj):
    """What the API server refuses beyond types: the rules tools/deploy could break."""
    errs = []
    spec = obj.get("spec") or {}
    if obj.get("kind") in ("DaemonSet", "Deployment"):
        sel = (spec.get("selector") or {}).get("matchLabels") or {}
        labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        for k, v in sel.items():
            if labels.get(k) != v:
                errs.append("%s: selector %s=%s does not match the template's labels" %
                            (obj["kind"], k, v))
        pod = (spec.get("template") or {}).get("spec") or {}
        vols = {v.get("name") for v in pod.get("volumes") or []}
        for c in pod.get("containers") or []:
            ports = {p.get("name") for p in c.get("ports") or []}
            for m in c.get("volumeMounts") or []:
                if m.get("name") not in vols:
                    errs.append("%s: volumeMount %s names no volume" % (c["name"], m["name"]))
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                port = ((c.get(probe) or {}).get("httpGet") or {}).get("port")
                if isinstance(port, str) and port not in ports:
                    errs.append("%s: %s port %s names no port" % (c["name"], probe, port))
            sc = c.get("securityContext") or {}
            caps = (sc.get("capabilities") or {}).get("add") or []
            # the API server: "cannot set allowPrivilegeEscalation to false and
            # capabilities.Add CAP_SYS_ADMIN" (nor with privileged)
            if sc.get("allowPrivilegeEscalation") is False and \
                    (sc.get("privileged") or "SYS_ADMIN" in caps):
                errs.append("%s: allowPrivilegeEscalation false with SYS_ADMIN or privileged"
                            % c["name"])
    return errs
