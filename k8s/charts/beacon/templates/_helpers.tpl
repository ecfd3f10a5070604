{{/* Chart name, truncated to 63 characters (a DNS label). */}}
{{- define "beacon.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified name: the release name, with the chart name unless the release already holds it. */}}
{{- define "beacon.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "beacon.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The headless Service the nodes find each other through; also the StatefulSet's serviceName (pod DNS names). */}}
{{- define "beacon.headless" -}}
{{- printf "%s-headless" (include "beacon.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* <headless>.<namespace>.svc.<clusterDomain>: pods are <pod>.<this>. */}}
{{- define "beacon.headlessFqdn" -}}
{{- printf "%s.%s.svc.%s" (include "beacon.headless" .) .Release.Namespace .Values.clusterDomain }}
{{- end }}

{{- define "beacon.labels" -}}
helm.sh/chart: {{ include "beacon.chart" . }}
{{ include "beacon.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: beacon
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "beacon.selectorLabels" -}}
app.kubernetes.io/name: {{ include "beacon.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "beacon.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "beacon.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "beacon.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* The SPIFFE URI of a node certificate; "${POD_NAME}" is filled in by cert-manager's csi-driver per pod. */}}
{{- define "beacon.nodeUri" -}}
{{- printf "spiffe://%s/node/${POD_NAME}" .Values.trustDomain }}
{{- end }}

{{/* The drain grace period in whole seconds (from a Go duration such as 30s, 1m, 1m30s). */}}
{{- define "beacon.drainSeconds" -}}
{{- $d := .Values.drain.gracePeriod -}}
{{- $s := 0 -}}
{{- if regexMatch "^[0-9]+s$" $d }}{{ $s = trimSuffix "s" $d | atoi }}
{{- else if regexMatch "^[0-9]+m$" $d }}{{ $s = mul (trimSuffix "m" $d | atoi) 60 }}
{{- else if regexMatch "^[0-9]+m[0-9]+s$" $d }}{{ $p := regexSplit "m" (trimSuffix "s" $d) -1 }}{{ $s = add (mul (index $p 0 | atoi) 60) (index $p 1 | atoi) }}
{{- else }}{{ fail (printf "drain.gracePeriod %q: use whole seconds or minutes, e.g. 30s, 1m, 1m30s" $d) }}
{{- end -}}
{{- $s -}}
{{- end }}
