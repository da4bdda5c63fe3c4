{{/*
Expand the name of the chart.
*/}}
{{- define "glucolake.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Create a default fully qualified app name, the prefix of every first-party component.
Truncated at 63 characters because some Kubernetes name fields are limited to this (DNS naming).
If the release name contains the chart name it is used as is: release "glucolake" gives
"glucolake", so the components are "glucolake-postgres", "glucolake-minio", ...
*/}}
{{- define "glucolake.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The name of one component: <fullname>-<component>, cut to 63 characters (DNS naming).
Input: dict "context" . "component" "postgres"
*/}}
{{- define "glucolake.componentName" -}}
{{- printf "%s-%s" (include "glucolake.fullname" .context) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Chart name and version, as used by the helm.sh/chart label.
*/}}
{{- define "glucolake.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Selector labels of one component: stable across upgrades, so never the version.
Input: dict "context" . "component" "postgres"
*/}}
{{- define "glucolake.selectorLabels" -}}
app.kubernetes.io/name: {{ include "glucolake.name" .context }}
app.kubernetes.io/instance: {{ .context.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/*
Common labels of one component, plus commonLabels.
Input: dict "context" . "component" "postgres"
*/}}
{{- define "glucolake.labels" -}}
helm.sh/chart: {{ include "glucolake.chart" .context }}
{{ include "glucolake.selectorLabels" . }}
app.kubernetes.io/version: {{ .context.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: glucolake
app.kubernetes.io/managed-by: {{ .context.Release.Service }}
{{- with .context.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
An image reference "repository:tag"; the tag defaults to the chart's appVersion.
Input: dict "context" . "image" .Values.pipeline.image
*/}}
{{- define "glucolake.image" -}}
{{- printf "%s:%s" .image.repository (default .context.Chart.AppVersion .image.tag) -}}
{{- end -}}

{{/*
The pod-level security context of the restricted Pod Security Standard, for a given user.
Input: the uid (an int)
*/}}
{{- define "glucolake.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
fsGroup: {{ . }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
The container-level security context of the restricted Pod Security Standard.
Input: true when the image can run on a read-only root file system
*/}}
{{- define "glucolake.securityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: {{ . }}
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
imagePullSecrets of every first-party pod, when any.
*/}}
{{- define "glucolake.imagePullSecrets" -}}
{{- with .Values.images.pullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
Host of the Postgres server: the in-cluster StatefulSet's Service, or postgres.externalHost.
*/}}
{{- define "glucolake.postgres.host" -}}
{{- if .Values.postgres.enabled -}}
{{- include "glucolake.componentName" (dict "context" . "component" "postgres") -}}
{{- else -}}
{{- required "postgres.externalHost is required when postgres.enabled=false" .Values.postgres.externalHost -}}
{{- end -}}
{{- end -}}

{{/*
The S3 endpoint URL the pipeline and Argo use: in-cluster MinIO, or objectStore.external.endpoint.
*/}}
{{- define "glucolake.s3.endpoint" -}}
{{- if .Values.minio.enabled -}}
{{- printf "http://%s:9000" (include "glucolake.componentName" (dict "context" . "component" "minio")) -}}
{{- else -}}
{{- .Values.objectStore.external.endpoint -}}
{{- end -}}
{{- end -}}

{{/*
The OpenLineage URL: in-cluster Marquez's API, or marquez.externalUrl (may be empty).
*/}}
{{- define "glucolake.lineage.url" -}}
{{- if .Values.marquez.enabled -}}
{{- printf "http://%s:5000" (include "glucolake.componentName" (dict "context" . "component" "marquez")) -}}
{{- else -}}
{{- .Values.marquez.externalUrl -}}
{{- end -}}
{{- end -}}

{{/*
A dev secret's value: the one already in the cluster (kept across upgrades), else a new random one.
`helm template` cannot look up, so it always shows fresh random values.
Input: dict "context" . "secret" "glucolake-postgres" "key" "POSTGRES_PASSWORD"
*/}}
{{- define "glucolake.devSecretValue" -}}
{{- $existing := lookup "v1" "Secret" .context.Release.Namespace .secret -}}
{{- if and $existing (hasKey (default dict $existing.data) .key) -}}
{{- index $existing.data .key | b64dec -}}
{{- else -}}
{{- randAlphaNum 32 -}}
{{- end -}}
{{- end -}}

{{/*
Wait until a TCP service answers: an init container in the pipeline image.
Input: dict "context" . "host" "glucolake-postgres" "port" 5432
*/}}
{{- define "glucolake.waitFor" -}}
- name: wait-for-{{ .name }}
  image: {{ include "glucolake.image" (dict "context" .context "image" .context.Values.pipeline.image) }}
  imagePullPolicy: {{ .context.Values.images.pullPolicy }}
  command:
    - python
    - -c
    - |
      import socket, sys, time
      for _ in range(600):
          try:
              socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()
              break
          except OSError:
              time.sleep(2)
      else:
          sys.exit(f"{sys.argv[1]}:{sys.argv[2]} never answered")
    - {{ .host | quote }}
    - {{ .port | quote }}
  securityContext:
    {{- include "glucolake.securityContext" true | nindent 4 }}
  resources:
    {{- toYaml .context.Values.jobResources | nindent 4 }}
{{- end -}}
