{{/*
Naming. Bifrost values files spread pods with selectors on `app.kubernetes.io/name: bifrost` and
their runbooks use deployment/bifrost and svc/bifrost. compat.bifrostNames (true, false, or auto:
true when affinity / topologySpreadConstraints select that label) names the chart "bifrost", so
with `helm install bifrost ...` those selectors match these pods and the resources are "bifrost".
An explicit nameOverride always wins.
*/}}
{{- define "heimdall.bifrostNames" -}}
{{- $mode := dig "bifrostNames" "auto" (.Values.compat | default dict) -}}
{{- if eq (toString $mode) "true" -}}true
{{- else if eq (toString $mode) "auto" -}}
{{- if contains "\"app.kubernetes.io/name\":\"bifrost\"" (toJson (list .Values.affinity .Values.topologySpreadConstraints)) -}}true{{- end -}}
{{- end -}}
{{- end -}}

{{- define "heimdall.name" -}}
{{- $default := .Chart.Name -}}
{{- if include "heimdall.bifrostNames" . -}}{{- $default = "bifrost" -}}{{- end -}}
{{- .Values.nameOverride | default $default | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "heimdall.fullname" -}}
{{- $name := include "heimdall.name" . -}}
{{- $full := printf "%s-%s" .Release.Name $name -}}
{{- if .Values.fullnameOverride -}}
{{- $full = .Values.fullnameOverride -}}
{{- else if contains $name .Release.Name -}}
{{- $full = .Release.Name -}}
{{- end -}}
{{- $full | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "heimdall.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The role of what a template renders: "gateway" (the default; with mode=combined it also runs the
control plane) or "control-plane" (mode=split only). Templates for the control plane pass a copy
of the context with `role` set, so the shared helpers below serve both.
*/}}
{{- define "heimdall.role" -}}
{{- .role | default "gateway" -}}
{{- end -}}

{{/* Resource name: the release's full name, "-control-plane" appended for the control plane. */}}
{{- define "heimdall.resourceName" -}}
{{- $full := include "heimdall.fullname" . -}}
{{- if eq (include "heimdall.role" .) "control-plane" -}}
{{- printf "%s-control-plane" ($full | trunc 49 | trimSuffix "-") -}}
{{- else -}}
{{- $full -}}
{{- end -}}
{{- end -}}

{{/*
Labels the workload selects its pods by. Never change these on an installed release. In split
mode the component is part of them, so the gateway and control-plane Deployments (and Services)
each select only their own pods.
*/}}
{{- define "heimdall.selectorLabels" -}}
app.kubernetes.io/name: {{ include "heimdall.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- if eq (toString .Values.mode) "split" }}
app.kubernetes.io/component: {{ include "heimdall.role" . }}
{{- end }}
{{- end -}}

{{- define "heimdall.labels" -}}
{{ include "heimdall.selectorLabels" . }}
helm.sh/chart: {{ include "heimdall.chart" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- if ne (toString .Values.mode) "split" }}
app.kubernetes.io/component: {{ include "heimdall.role" . }}
{{- end }}
{{- end -}}

{{- define "heimdall.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "heimdall.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/*
"StatefulSet" only for SQLite kept on a volume (stable identity for its ReadWriteOnce claim);
"Deployment" with postgres, and for SQLite without persistence (an emptyDir demo has nothing to keep).
*/}}
{{- define "heimdall.workloadKind" -}}
{{- if and (eq .Values.storage.mode "sqlite") .Values.storage.persistence.enabled -}}StatefulSet{{- else -}}Deployment{{- end -}}
{{- end -}}

{{/* True (non-empty) when the StatefulSet gets a volumeClaimTemplate for /data. */}}
{{- define "heimdall.usesClaimTemplate" -}}
{{- if and (eq .Values.storage.mode "sqlite") .Values.storage.persistence.enabled (not .Values.storage.persistence.existingClaim) -}}true{{- end -}}
{{- end -}}

{{/*
Checks that stop rendering with a message naming the value to change. Included by every
template that depends on them, so `helm template` and `helm install` fail the same way.
*/}}
{{- define "heimdall.validate" -}}
{{- $mode := .Values.storage.mode -}}
{{- if not (has $mode (list "sqlite" "postgres")) -}}
{{- fail (printf "storage.mode must be \"sqlite\" or \"postgres\", got %q" (toString $mode)) -}}
{{- end -}}
{{- if and .Values.postgresql.enabled (ne $mode "postgres") -}}
{{- fail "postgresql.enabled (the chart's single-instance evaluation Postgres) needs storage.mode=postgres" -}}
{{- end -}}
{{- if eq $mode "sqlite" -}}
{{- if gt (int .Values.replicaCount) 1 -}}
{{- fail (printf "replicaCount=%d with storage.mode=sqlite: SQLite lives on a ReadWriteOnce volume that only one pod can use. Set replicaCount: 1, or set storage.mode=postgres (plus redis.enabled) to run several replicas" (int .Values.replicaCount)) -}}
{{- end -}}
{{- if .Values.autoscaling.enabled -}}
{{- fail "autoscaling.enabled with storage.mode=sqlite: the HPA would add pods that cannot share the SQLite volume. Set storage.mode=postgres, or autoscaling.enabled: false" -}}
{{- end -}}
{{- if .Values.postgresql.external.enabled -}}
{{- fail "postgresql.external.enabled is true but storage.mode is sqlite; set storage.mode: postgres to use the external database" -}}
{{- end -}}
{{- else if not .Values.postgresql.enabled -}}
{{- $pg := .Values.postgresql.external -}}
{{- $_ := required "storage.mode=postgres needs postgresql.external.host (the PostgreSQL server's address), or postgresql.enabled=true for the chart's evaluation-only Postgres" $pg.host -}}
{{- $_ = required "storage.mode=postgres needs postgresql.external.user" $pg.user -}}
{{- $_ = required "storage.mode=postgres needs postgresql.external.database" $pg.database -}}
{{- $b := .Values.bifrost -}}
{{- if not (or $b.encryptionKeySecret.name (index $b "encryptionKey") (index $b "encryption_key")) -}}
{{- fail "storage.mode=postgres needs an encryption key shared by every replica: create a Secret and set bifrost.encryptionKeySecret.name (and .key, default \"encryption-key\")" -}}
{{- end -}}
{{- end -}}
{{- /* The process defaults (5 s, 55 s) apply to a value left out. */ -}}
{{- $shutdown := .Values.shutdown | default dict -}}
{{- $delay := 5 -}}
{{- if hasKey $shutdown "delaySeconds" -}}{{- $delay = int $shutdown.delaySeconds -}}{{- end -}}
{{- $grace := 55 -}}
{{- if hasKey $shutdown "graceSeconds" -}}{{- $grace = int $shutdown.graceSeconds -}}{{- end -}}
{{- $drain := add $delay $grace -}}
{{- if lt (int (.Values.terminationGracePeriodSeconds | default 60)) (int $drain) -}}
{{- fail (printf "terminationGracePeriodSeconds=%d is shorter than shutdown.delaySeconds + shutdown.graceSeconds = %d: Kubernetes would kill pods with streams still draining. Raise terminationGracePeriodSeconds to at least %d plus your preStop sleep, or lower shutdown.graceSeconds" (int (.Values.terminationGracePeriodSeconds | default 60)) (int $drain) (int $drain)) -}}
{{- end -}}
{{- if not (has (toString .Values.mode) (list "combined" "split")) -}}
{{- fail (printf "mode must be \"combined\" or \"split\", got %q" (toString .Values.mode)) -}}
{{- end -}}
{{- if eq (toString .Values.mode) "split" -}}
{{- if ne $mode "postgres" -}}
{{- fail "mode=split needs storage.mode=postgres: the control plane's replicas and the gateways share state through Postgres" -}}
{{- end -}}
{{- $_ := required "mode=split needs controlPlane.gatewayTokenSecret.name: a Secret holding an API token with the GATEWAY scope (createApiToken(scopes: [GATEWAY]) on the control plane), which the gateways send as HEIMDALL_CONTROL_PLANE_TOKEN" .Values.controlPlane.gatewayTokenSecret.name -}}
{{- if lt (int .Values.controlPlane.replicaCount) 1 -}}
{{- fail "controlPlane.replicaCount must be at least 1" -}}
{{- end -}}
{{- end -}}
{{- if .Values.redis.enabled -}}
{{- if not (or .Values.redis.url .Values.redis.existingSecret .Values.redis.embedded) -}}
{{- fail "redis.enabled needs redis.url (redis://host:6379) or redis.existingSecret (a Secret holding the URL under redis.existingSecretKey), or redis.embedded=true for the chart's evaluation-only Redis" -}}
{{- end -}}
{{- end -}}
{{- $reserved := list "PORT" "HEIMDALL_CONFIG" "HEIMDALL_DATA_DIR" "HEIMDALL_ENCRYPTION_KEY" "DATABASE_URL" "PGPASSWORD" "REDIS_URL" "LOG_LEVEL" "NODE_OPTIONS" "HEIMDALL_SHUTDOWN_DELAY_SECONDS" "HEIMDALL_SHUTDOWN_GRACE_SECONDS" "HEIMDALL_ADMIN_USERNAME" "HEIMDALL_ADMIN_PASSWORD" "HEIMDALL_CONTROL_PLANE_URL" "HEIMDALL_CONTROL_PLANE_TOKEN" -}}
{{- $seen := dict -}}
{{- range $entry, $secret := .Values.bifrost.providerSecrets -}}
{{- $envVar := required (printf "bifrost.providerSecrets.%s.envVar is required (the variable the config references as env.NAME)" $entry) $secret.envVar -}}
{{- $_ := required (printf "bifrost.providerSecrets.%s.existingSecret is required (the Secret's name)" $entry) $secret.existingSecret -}}
{{- $_ = required (printf "bifrost.providerSecrets.%s.key is required (the key inside the Secret)" $entry) $secret.key -}}
{{- if has $envVar $reserved -}}
{{- fail (printf "bifrost.providerSecrets.%s.envVar=%s is set by the chart itself; pick another variable name" $entry $envVar) -}}
{{- end -}}
{{- if hasKey $seen $envVar -}}
{{- fail (printf "bifrost.providerSecrets.%s and .%s both set envVar=%s; each entry needs its own variable" (get $seen $envVar) $entry $envVar) -}}
{{- end -}}
{{- $_ = set $seen $envVar $entry -}}
{{- end -}}
{{- end -}}

{{/*
config.json: the `bifrost` values subtree as Heimdall reads it (camelCase accepted), without the
chart-only keys and without `cluster` (Heimdall shares state through Postgres/Redis, not gossip).
When admin credentials come from a Secret, the config refers to the injected variables so the
credentials never appear in the ConfigMap.
*/}}
{{- define "heimdall.config" -}}
{{- $cfg := omit (deepCopy (.Values.bifrost | default dict)) "providerSecrets" "encryptionKeySecret" "cluster" -}}
{{- $gov := get $cfg "governance" -}}
{{- if kindIs "map" $gov -}}
{{- $auth := get $gov "authConfig" -}}
{{- if and (kindIs "map" $auth) (get $auth "existingSecret") -}}
{{- if not (or (hasKey $auth "adminUsername") (hasKey $auth "admin_username")) -}}
{{- $_ := set $auth "adminUsername" "env.HEIMDALL_ADMIN_USERNAME" -}}
{{- end -}}
{{- if not (or (hasKey $auth "adminPassword") (hasKey $auth "admin_password")) -}}
{{- $_ := set $auth "adminPassword" "env.HEIMDALL_ADMIN_PASSWORD" -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toPrettyJson $cfg -}}
{{- end -}}

{{/* postgres://user@host:port/db?sslmode=…; the password comes from PGPASSWORD, never the URL. */}}
{{- define "heimdall.databaseUrl" -}}
{{- $pg := .Values.postgresql.external -}}
{{- if .Values.postgresql.enabled -}}
{{- $pg = dict "host" (printf "%s-postgresql" (include "heimdall.embeddedPrefix" .)) "port" 5432 "user" .Values.postgresql.auth.username "database" .Values.postgresql.auth.database "sslMode" "disable" -}}
{{- end -}}
{{- $query := list -}}
{{- with $pg.sslMode -}}
{{- $query = append $query (printf "sslmode=%s" .) -}}
{{- /* node-postgres reads prefer/require/verify-ca as verify-full unless asked for libpq's meaning */ -}}
{{- if has . (list "prefer" "require" "verify-ca") -}}
{{- $query = append $query "uselibpqcompat=true" -}}
{{- end -}}
{{- end -}}
{{- printf "postgres://%s@%s:%s/%s" (urlquery $pg.user) $pg.host (toString ($pg.port | default 5432)) (urlquery $pg.database) -}}
{{- if $query -}}?{{ join "&" $query }}{{- end -}}
{{- end -}}

{{/* The container's environment: what README.md's "Running it" table lists, from values and Secrets. */}}
{{- define "heimdall.env" -}}
- name: PORT
  value: {{ .Values.containerPort | quote }}
- name: HEIMDALL_CONFIG
  value: /etc/heimdall/config.json
- name: HEIMDALL_DATA_DIR
  value: /data
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- with .Values.shutdown }}
{{- if hasKey . "delaySeconds" }}
- name: HEIMDALL_SHUTDOWN_DELAY_SECONDS
  value: {{ .delaySeconds | toString | quote }}
{{- end }}
{{- if hasKey . "graceSeconds" }}
- name: HEIMDALL_SHUTDOWN_GRACE_SECONDS
  value: {{ .graceSeconds | toString | quote }}
{{- end }}
{{- end }}
{{- with .Values.nodeOptions }}
- name: NODE_OPTIONS
  value: {{ . | quote }}
{{- end }}
{{- with .Values.bifrost.encryptionKeySecret }}
{{- if .name }}
- name: HEIMDALL_ENCRYPTION_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .name | quote }}
      key: {{ .key | default "encryption-key" | quote }}
{{- end }}
{{- end }}
{{- if and .Values.postgresql.enabled (not .Values.bifrost.encryptionKeySecret.name) }}
- name: HEIMDALL_ENCRYPTION_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "heimdall.embeddedSecret" . | quote }}
      key: encryption-key
{{- end }}
{{- $remoteGateway := and (eq (toString .Values.mode) "split") (eq (include "heimdall.role" .) "gateway") -}}
{{- if $remoteGateway }}
{{- /* A split-mode gateway has no database: config, leases and usage go through the control plane. */}}
- name: HEIMDALL_CONTROL_PLANE_URL
  value: {{ printf "http://%s-control-plane:%v" (include "heimdall.fullname" . | trunc 49 | trimSuffix "-") .Values.service.port | quote }}
- name: HEIMDALL_CONTROL_PLANE_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ .Values.controlPlane.gatewayTokenSecret.name | quote }}
      key: {{ .Values.controlPlane.gatewayTokenSecret.key | default "token" | quote }}
{{- else if eq .Values.storage.mode "postgres" }}
{{- if .Values.postgresql.enabled }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "heimdall.embeddedSecret" . | quote }}
      key: postgres-password
{{- else if .Values.postgresql.external.existingSecret }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.postgresql.external.existingSecret | quote }}
      key: {{ .Values.postgresql.external.passwordKey | default "password" | quote }}
{{- end }}
- name: DATABASE_URL
  value: {{ include "heimdall.databaseUrl" . | quote }}
{{- end }}
{{- if and .Values.redis.enabled (not $remoteGateway) }}
- name: REDIS_URL
{{- if .Values.redis.existingSecret }}
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.existingSecret | quote }}
      key: {{ .Values.redis.existingSecretKey | default "redis-url" | quote }}
{{- else if .Values.redis.embedded }}
  valueFrom:
    secretKeyRef:
      name: {{ include "heimdall.embeddedSecret" . | quote }}
      key: redis-url
{{- else }}
  value: {{ .Values.redis.url | quote }}
{{- end }}
{{- end }}
{{- with .Values.bifrost.governance.authConfig }}
{{- if and .existingSecret (not $remoteGateway) }}
- name: HEIMDALL_ADMIN_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret | quote }}
      key: {{ .usernameKey | default "username" | quote }}
- name: HEIMDALL_ADMIN_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret | quote }}
      key: {{ .passwordKey | default "password" | quote }}
{{- end }}
{{- end }}
{{- range $entry, $secret := .Values.bifrost.providerSecrets }}
- name: {{ $secret.envVar }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret.existingSecret | quote }}
      key: {{ $secret.key | quote }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The pod template shared by the Deployment (postgres) and the StatefulSet (sqlite). */}}
{{- define "heimdall.podTemplate" -}}
metadata:
  labels:
    {{- include "heimdall.selectorLabels" . | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "heimdall.serviceAccountName" . }}
  automountServiceAccountToken: {{ .Values.serviceAccount.automount }}
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds | default 60 }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . | quote }}
  {{- end }}
  {{- with .Values.podSecurityContext }}
  securityContext:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: heimdall
      image: "{{ .Values.image.repository }}:{{ required "image.tag is required: pin a concrete Heimdall version, e.g. --set image.tag=0.1.0 (never an empty or floating tag)" .Values.image.tag }}"
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      {{- with .Values.command }}
      command:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.args }}
      args:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      ports:
        - name: http
          containerPort: {{ .Values.containerPort }}
          protocol: TCP
      env:
        {{- include "heimdall.env" . | nindent 8 }}
      {{- with .Values.extraEnvFrom }}
      envFrom:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.startupProbe }}
      startupProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.livenessProbe }}
      livenessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.readinessProbe }}
      readinessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.lifecycle }}
      lifecycle:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.resources }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.securityContext }}
      securityContext:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      volumeMounts:
        - name: config
          mountPath: /etc/heimdall
          readOnly: true
        - name: data
          mountPath: /data
        - name: tmp
          mountPath: /tmp
        {{- with .Values.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
  volumes:
    - name: config
      configMap:
        name: {{ include "heimdall.fullname" . }}
    - name: tmp
      emptyDir: {}
    {{- if not (include "heimdall.usesClaimTemplate" .) }}
    - name: data
      {{- if and (eq .Values.storage.mode "sqlite") .Values.storage.persistence.enabled }}
      persistentVolumeClaim:
        claimName: {{ .Values.storage.persistence.existingClaim | quote }}
      {{- else }}
      emptyDir: {}
      {{- end }}
    {{- end }}
    {{- with .Values.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}


{{/* Names of the evaluation-only Postgres / Redis and of the Secret with their generated credentials. */}}
{{- define "heimdall.embeddedPrefix" -}}
{{- include "heimdall.fullname" . | trunc 52 | trimSuffix "-" -}}
{{- end -}}

{{- define "heimdall.embeddedSecret" -}}
{{- printf "%s-generated" (include "heimdall.embeddedPrefix" .) -}}
{{- end -}}

{{/* Labels of the evaluation-only servers: not Heimdall's selector labels, so no selector mixes them up. */}}
{{- define "heimdall.embeddedLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: {{ include "heimdall.name" .ctx }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{- end -}}
