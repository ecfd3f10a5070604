{{/* Chart name, truncated to 63 characters (a DNS label). */}}
{{- define "status-page.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified name: the release name, with the chart name unless the release already holds it. */}}
{{- define "status-page.fullname" -}}
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

{{- define "status-page.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "status-page.labels" -}}
helm.sh/chart: {{ include "status-page.chart" . }}
{{ include "status-page.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: beacon
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "status-page.selectorLabels" -}}
app.kubernetes.io/name: {{ include "status-page.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "status-page.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "status-page.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "status-page.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* The Secret of one probe identity; called with (list $ "wrapper"). */}}
{{- define "status-page.tlsSecret" -}}
{{- $ctx := index . 0 }}{{ $which := index . 1 }}
{{- if eq $ctx.Values.certificates.mode "certManager" }}{{ printf "%s-%s-tls" (include "status-page.fullname" $ctx) (kebabcase $which) }}
{{- else }}{{ required (printf "certificates.existingSecrets.%s: name the Secret" $which) (index $ctx.Values.certificates.existingSecrets $which) }}{{ end }}
{{- end }}

{{/* The four identities of the probes, by config key (probes.<key>): SPIFFE URI, which CA issues it, key usage. */}}
{{- define "status-page.identities" -}}
wrapper: {uri: "spiffe://{{ .Values.trustDomain }}/tenant/{{ .Values.canaryTenant }}/wrapper/{{ .Values.wrapperName }}", issuer: beacon, usage: client auth}
bridge: {uri: "spiffe://{{ .Values.trustDomain }}/tenant/{{ .Values.canaryTenant }}/bridge/{{ .Values.probes.canary.bridge }}", issuer: beacon, usage: client auth}
innerWrapper: {uri: "spiffe://{{ .Values.innerTrustDomain }}/tenant/{{ .Values.canaryTenant }}/wrapper/{{ .Values.wrapperName }}", issuer: inner, usage: client auth}
innerBridge: {uri: "spiffe://{{ .Values.innerTrustDomain }}/tenant/{{ .Values.canaryTenant }}/bridge/{{ .Values.probes.canary.bridge }}", issuer: inner, usage: server auth}
{{- end }}

{{/* The Secret holding the admin token: adminToken.existingSecret, or <fullname>-admin-token. */}}
{{- define "status-page.adminTokenSecret" -}}
{{- .Values.adminToken.existingSecret | default (printf "%s-admin-token" (include "status-page.fullname" .)) }}
{{- end }}
