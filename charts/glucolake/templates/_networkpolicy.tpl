{{/*
A NetworkPolicy admitting ingress to one component only from the listed peers, on the listed ports.
Peers: "workflows" (the pipeline's step pods, labelled by Argo), "argo" (Argo's controller and
server), "anywhere", or a component name of this chart.
Input: dict "context" . "component" "postgres" "ports" (list 5432) "from" (list "workflows" "marquez")
       and optionally "suffix" "console" for a second policy on the same component
*/}}
{{- define "glucolake.networkPolicy" -}}
{{- if .context.Values.networkPolicy.enabled }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "glucolake.componentName" (dict "context" .context "component" (list .component .suffix | compact | join "-")) }}
  labels:
    {{- include "glucolake.labels" (dict "context" .context "component" .component) | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "glucolake.selectorLabels" (dict "context" .context "component" .component) | nindent 6 }}
  policyTypes:
    - Ingress
  ingress:
    - ports:
        {{- range .ports }}
        - port: {{ . }}
          protocol: TCP
        {{- end }}
      {{- if not (has "anywhere" .from) }}
      from:
        {{- range .from }}
        {{- if eq . "workflows" }}
        - podSelector:
            matchExpressions:
              - key: workflows.argoproj.io/workflow
                operator: Exists
        {{- else if eq . "argo" }}
        - podSelector:
            matchLabels:
              app.kubernetes.io/part-of: argo-workflows
        {{- else }}
        - podSelector:
            matchLabels:
              {{- include "glucolake.selectorLabels" (dict "context" $.context "component" .) | nindent 14 }}
        {{- end }}
        {{- end }}
      {{- end }}
{{- end }}
{{- end -}}
