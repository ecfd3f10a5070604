{{/* Chart name, truncated to 63 characters (a DNS label). */}}
{{- define "bridge.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified name: the release name, with the chart name unless the release already holds it. */}}
{{- define "bridge.fullname" -}}
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

{{- define "bridge.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "bridge.labels" -}}
helm.sh/chart: {{ include "bridge.chart" . }}
{{ include "bridge.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: beacon
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "bridge.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bridge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "bridge.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "bridge.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "bridge.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* The bridge's identity at the beacon: spiffe://<trustDomain>/tenant/<tenant>/bridge/<bridgeId>. */}}
{{- define "bridge.outerUri" -}}
{{- printf "spiffe://%s/tenant/%s/bridge/%s" .Values.trustDomain .Values.tenant .Values.bridgeId }}
{{- end }}

{{/* The bridge's inner (company CA) identity: spiffe://<innerTrustDomain>/tenant/<tenant>/bridge/<bridgeId>. */}}
{{- define "bridge.innerUri" -}}
{{- printf "spiffe://%s/tenant/%s/bridge/%s" .Values.innerTrustDomain .Values.tenant .Values.bridgeId }}
{{- end }}

{{- define "bridge.outerSecret" -}}
{{- if eq .Values.certificates.mode "certManager" }}{{ printf "%s-outer-tls" (include "bridge.fullname" .) }}{{ else }}{{ required "certificates.existingSecrets.outer: name the Secret with the bridge certificate" .Values.certificates.existingSecrets.outer }}{{ end }}
{{- end }}

{{- define "bridge.innerSecret" -}}
{{- if eq .Values.certificates.mode "certManager" }}{{ printf "%s-inner-tls" (include "bridge.fullname" .) }}{{ else }}{{ required "certificates.existingSecrets.inner: name the Secret with the inner certificate" .Values.certificates.existingSecrets.inner }}{{ end }}
{{- end }}

