{{/* The chart name, or nameOverride. */}}
{{- define "odigos-ui.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name: fullnameOverride, else RELEASE-NAME (RELEASE alone when it already contains NAME). */}}
{{- define "odigos-ui.fullname" -}}
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

{{- define "odigos-ui.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Name of a component's objects. Argument: (dict "ctx" $ "component" "ui|gateway|node"). */}}
{{- define "odigos-ui.componentName" -}}
{{- printf "%s-%s" (include "odigos-ui.fullname" .ctx | trunc 55 | trimSuffix "-") .component }}
{{- end }}

{{/* Selector labels of a component (immutable once installed). Argument: (dict "ctx" $ "component" C). */}}
{{- define "odigos-ui.selectorLabels" -}}
app.kubernetes.io/name: {{ include "odigos-ui.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Standard labels of a component's objects. Argument: (dict "ctx" $ "component" C). */}}
{{- define "odigos-ui.labels" -}}
helm.sh/chart: {{ include "odigos-ui.chart" .ctx }}
{{ include "odigos-ui.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: odigos-ui
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{- end }}

{{/* A component's ServiceAccount. Argument: (dict "ctx" $ "component" C). */}}
{{- define "odigos-ui.serviceAccountName" -}}
{{- if .ctx.Values.serviceAccount.create }}
{{- include "odigos-ui.componentName" . }}
{{- else }}
{{- "default" }}
{{- end }}
{{- end }}

{{- define "odigos-ui.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) }}
{{- end }}

{{/* An OTLP/gRPC URL of a component's Service. Argument: (dict "ctx" $ "component" C). */}}
{{- define "odigos-ui.grpcServiceUrl" -}}
{{- printf "http://%s.%s.svc:%d" (include "odigos-ui.componentName" .) .ctx.Release.Namespace (.ctx.Values.ports.otlpGrpc | int) }}
{{- end }}

{{/* Environment of every role. Argument: (dict "ctx" $ "role" R). */}}
{{- define "odigos-ui.commonEnv" -}}
- name: Role
  value: {{ .role | quote }}
- name: Kubernetes__Mode
  value: "cluster"
- name: Kubernetes__Namespace
  value: {{ .ctx.Release.Namespace | quote }}
- name: Ui__Url
{{- if eq .role "ui" }}
  value: {{ printf "http://%s:%d" (include "odigos-ui.uiListenHost" .ctx) (.ctx.Values.ports.http | int) | quote }}
{{- else }}
  value: {{ printf "http://%s:%d" .ctx.Values.listenHost (.ctx.Values.ports.http | int) | quote }}
{{- end }}
- name: Otlp__GrpcUrl
  value: {{ printf "http://%s:%d" .ctx.Values.listenHost (.ctx.Values.ports.otlpGrpc | int) | quote }}
- name: Otlp__HttpUrl
  value: {{ printf "http://%s:%d" .ctx.Values.listenHost (.ctx.Values.ports.otlpHttp | int) | quote }}
- name: Profiling__Enabled
  value: {{ .ctx.Values.profiling.enabled | quote }}
- name: Logging__LogLevel__Default
  value: {{ .ctx.Values.logLevel | quote }}
{{- end }}

{{/* Container ports of every role. */}}
{{- define "odigos-ui.containerPorts" -}}
- name: http
  containerPort: {{ .Values.ports.http }}
  protocol: TCP
- name: otlp-grpc
  containerPort: {{ .Values.ports.otlpGrpc }}
  protocol: TCP
- name: otlp-http
  containerPort: {{ .Values.ports.otlpHttp }}
  protocol: TCP
{{- end }}

{{/*
Liveness and readiness probes of every role, on the otlp-http port: /healthz and /readyz answer there too, and it
listens on the pod network in every role (the ui's http port may listen on loopback only).
*/}}
{{- define "odigos-ui.probes" -}}
livenessProbe:
  httpGet:
    path: /healthz
    port: otlp-http
  {{- toYaml .Values.probes.liveness | nindent 2 }}
readinessProbe:
  httpGet:
    path: /readyz
    port: otlp-http
  {{- toYaml .Values.probes.readiness | nindent 2 }}
{{- end }}

{{/* A writable /tmp under a read-only root filesystem. */}}
{{- define "odigos-ui.tmpVolumeMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}

{{- define "odigos-ui.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end }}

{{/* Host of the ui role's UI/API port (Ui:Url): ui.listenHost, 127.0.0.1 unless an Ingress with sign-in fronts the UI. */}}
{{- define "odigos-ui.uiListenHost" -}}
{{- $host := .Values.ui.listenHost | toString }}
{{- if and (ne $host "127.0.0.1") (ne $host "localhost") (ne $host "[::1]") (ne .Values.auth.mode "oidc") }}
{{- fail (printf "ui.listenHost=%s exposes the UI beyond its pod: set auth.mode=oidc (with auth.oidc.*) or keep ui.listenHost=127.0.0.1" $host) }}
{{- end }}
{{- $host }}
{{- end }}

{{/* Egress every component needs: DNS and the API server (networkPolicy.dns, networkPolicy.apiServer). */}}
{{- define "odigos-ui.networkPolicyBaseEgress" -}}
- to:
    {{- toYaml .Values.networkPolicy.dns | nindent 4 }}
  ports:
    - protocol: UDP
      port: 53
    - protocol: TCP
      port: 53
- to:
    {{- range .Values.networkPolicy.apiServer.cidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
  ports:
    {{- range .Values.networkPolicy.apiServer.ports }}
    - protocol: TCP
      port: {{ . }}
    {{- end }}
{{- end }}

{{/* Ingress of /metrics on the http port from networkPolicy.metricsFrom, when set. */}}
{{- define "odigos-ui.networkPolicyMetricsIngress" -}}
{{- with .Values.networkPolicy.metricsFrom }}
- from:
    {{- toYaml . | nindent 4 }}
  ports:
    - protocol: TCP
      port: http
{{- end }}
{{- end }}
