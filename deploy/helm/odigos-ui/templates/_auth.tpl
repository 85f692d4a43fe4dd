{{/*
Sign-in of the ui role (Auth:*): Auth:Mode and, for oidc, the provider. The client secret is read from an existing
Secret (auth.oidc.existingSecret), never written into the Deployment.
*/}}
{{- define "odigos-ui.authEnv" -}}
- name: Auth__Mode
  value: {{ .Values.auth.mode | quote }}
{{- if eq .Values.auth.mode "oidc" }}
- name: Auth__Oidc__Authority
  value: {{ required "auth.oidc.tenantUrl (the provider's issuer URL) is required when auth.mode=oidc" .Values.auth.oidc.tenantUrl | quote }}
- name: Auth__Oidc__ClientId
  value: {{ required "auth.oidc.clientId is required when auth.mode=oidc" .Values.auth.oidc.clientId | quote }}
- name: Auth__Oidc__ClientSecret
  valueFrom:
    secretKeyRef:
      name: {{ required "auth.oidc.existingSecret (a Secret holding the client secret) is required when auth.mode=oidc" .Values.auth.oidc.existingSecret | quote }}
      key: {{ .Values.auth.oidc.clientSecretKey | quote }}
- name: Auth__Oidc__Scopes
  value: {{ .Values.auth.oidc.scopes | quote }}
{{- if .Values.auth.oidc.audience }}
- name: Auth__Oidc__Audience
  value: {{ .Values.auth.oidc.audience | quote }}
{{- end }}
- name: Auth__Oidc__RequireHttpsMetadata
  value: {{ .Values.auth.oidc.requireHttpsMetadata | quote }}
{{- end }}
{{- end }}
