{{/*
Superset's environment, shared by the init and the web containers: configuration path and
database location as values, every credential as a secretKeyRef.
*/}}
{{- define "glucolake.superset.env" -}}
- name: SUPERSET_CONFIG_PATH
  value: /etc/superset/superset_config.py
- name: SUPERSET_HOME
  value: /var/lib/superset
- name: SUPERSET_DB_HOST
  value: {{ include "glucolake.postgres.host" . | quote }}
- name: SUPERSET_DB_PORT
  value: {{ .Values.postgres.port | quote }}
- name: SUPERSET_DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: glucolake-postgres
      key: SUPERSET_PASSWORD
- name: SUPERSET_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: glucolake-superset
      key: SUPERSET_SECRET_KEY
{{- end -}}

{{/*
Superset's writable places on a read-only root file system: its home and /tmp.
*/}}
{{- define "glucolake.superset.volumeMounts" -}}
- name: config
  mountPath: /etc/superset
  readOnly: true
- name: home
  mountPath: /var/lib/superset
- name: tmp
  mountPath: /tmp
{{- end -}}
