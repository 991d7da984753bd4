CREATE TABLE "admin_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"scopes" jsonb NOT NULL,
	"expires_at" bigint,
	"last_used_at" bigint,
	"created_at" bigint NOT NULL,
	CONSTRAINT "admin_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "admin_users" (
	"id" text PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"password_hash" text NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "admin_users_username_unique" UNIQUE("username")
);
--> statement-breakpoint
CREATE TABLE "config_meta" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "budgets" (
	"id" text PRIMARY KEY NOT NULL,
	"max_limit_micros" bigint NOT NULL,
	"reset_duration" text NOT NULL,
	"calendar_aligned" boolean DEFAULT false NOT NULL,
	"mode" text DEFAULT 'soft' NOT NULL,
	"current_usage_micros" bigint DEFAULT 0 NOT NULL,
	"reserved_micros" bigint DEFAULT 0 NOT NULL,
	"window_start" bigint NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "customers" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"budget_id" text,
	"rate_limit_id" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_configs" (
	"id" text PRIMARY KEY NOT NULL,
	"model_name" text NOT NULL,
	"provider" text,
	"budget_id" text,
	"rate_limit_id" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provider_governance" (
	"name" text PRIMARY KEY NOT NULL,
	"send_back_raw_request" boolean,
	"send_back_raw_response" boolean,
	"budget_id" text,
	"rate_limit_id" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rate_limits" (
	"id" text PRIMARY KEY NOT NULL,
	"token_max_limit" bigint,
	"token_reset_duration" text,
	"request_max_limit" bigint,
	"request_reset_duration" text,
	"token_current_usage" bigint DEFAULT 0 NOT NULL,
	"request_current_usage" bigint DEFAULT 0 NOT NULL,
	"token_window_start" bigint NOT NULL,
	"request_window_start" bigint NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "teams" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"customer_id" text,
	"budget_id" text,
	"rate_limit_id" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "virtual_key_provider_configs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"virtual_key_id" text NOT NULL,
	"provider" text NOT NULL,
	"weight" double precision DEFAULT 1 NOT NULL,
	"allowed_models" jsonb NOT NULL,
	"key_ids" jsonb NOT NULL,
	"budget_id" text,
	"rate_limit_id" text
);
--> statement-breakpoint
CREATE TABLE "virtual_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"value_hash" text NOT NULL,
	"value_suffix" text NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"team_id" text,
	"customer_id" text,
	"budget_id" text,
	"rate_limit_id" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "virtual_keys_single_owner" CHECK ("virtual_keys"."team_id" IS NULL OR "virtual_keys"."customer_id" IS NULL)
);
--> statement-breakpoint
CREATE TABLE "provider_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"provider" text NOT NULL,
	"name" text NOT NULL,
	"value" text DEFAULT '' NOT NULL,
	"weight" double precision DEFAULT 1 NOT NULL,
	"models" jsonb NOT NULL,
	"blacklisted_models" jsonb NOT NULL,
	"aliases" jsonb,
	"enabled" boolean DEFAULT true NOT NULL,
	"use_for_batch_api" boolean DEFAULT false NOT NULL,
	"azure_key_config" jsonb,
	"bedrock_key_config" jsonb,
	"vertex_key_config" jsonb,
	"ollama_key_config" jsonb,
	"sgl_key_config" jsonb,
	"vllm_key_config" jsonb,
	"replicate_key_config" jsonb,
	"huggingface_key_config" jsonb,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "providers" (
	"name" text PRIMARY KEY NOT NULL,
	"network_config" jsonb,
	"concurrency_and_buffer_size" jsonb,
	"proxy_config" jsonb,
	"custom_provider_config" jsonb,
	"send_back_raw_response" boolean,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "plugins" (
	"name" text PRIMARY KEY NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"config" jsonb NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "routing_rules" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"cel_expression" text NOT NULL,
	"targets" jsonb NOT NULL,
	"fallbacks" jsonb NOT NULL,
	"scope" text DEFAULT 'global' NOT NULL,
	"scope_id" text,
	"priority" integer DEFAULT 0 NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "price_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"input_micros_per_mtok" bigint NOT NULL,
	"output_micros_per_mtok" bigint NOT NULL,
	"cache_read_micros_per_mtok" bigint,
	"cache_write_micros_per_mtok" bigint,
	"tier_threshold_tokens" bigint DEFAULT 0 NOT NULL,
	"version" text NOT NULL,
	"source" text NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "request_logs" (
	"id" text PRIMARY KEY NOT NULL,
	"created_at" bigint NOT NULL,
	"completed_at" bigint,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"endpoint" text,
	"stream" boolean DEFAULT false NOT NULL,
	"status" text NOT NULL,
	"status_code" integer,
	"latency_ms" integer,
	"ttft_ms" integer,
	"input_tokens" integer DEFAULT 0 NOT NULL,
	"output_tokens" integer DEFAULT 0 NOT NULL,
	"cached_tokens" integer DEFAULT 0 NOT NULL,
	"cost_micros" bigint,
	"unpriced" boolean DEFAULT false NOT NULL,
	"price_book_version" text,
	"virtual_key_id" text,
	"team_id" text,
	"customer_id" text,
	"provider_key_name" text,
	"retries" integer DEFAULT 0 NOT NULL,
	"fallback_index" integer DEFAULT 0 NOT NULL,
	"routing_rule_id" text,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "usage_ledger" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"request_id" text NOT NULL,
	"attempt" integer DEFAULT 0 NOT NULL,
	"kind" text NOT NULL,
	"budget_id" text NOT NULL,
	"amount_micros" bigint NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "admin_tokens" ADD CONSTRAINT "admin_tokens_user_id_admin_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."admin_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customers" ADD CONSTRAINT "customers_budget_id_budgets_id_fk" FOREIGN KEY ("budget_id") REFERENCES "public"."budgets"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customers" ADD CONSTRAINT "customers_rate_limit_id_rate_limits_id_fk" FOREIGN KEY ("rate_limit_id") REFERENCES "public"."rate_limits"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_configs" ADD CONSTRAINT "model_configs_budget_id_budgets_id_fk" FOREIGN KEY ("budget_id") REFERENCES "public"."budgets"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_configs" ADD CONSTRAINT "model_configs_rate_limit_id_rate_limits_id_fk" FOREIGN KEY ("rate_limit_id") REFERENCES "public"."rate_limits"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_governance" ADD CONSTRAINT "provider_governance_budget_id_budgets_id_fk" FOREIGN KEY ("budget_id") REFERENCES "public"."budgets"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_governance" ADD CONSTRAINT "provider_governance_rate_limit_id_rate_limits_id_fk" FOREIGN KEY ("rate_limit_id") REFERENCES "public"."rate_limits"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "teams" ADD CONSTRAINT "teams_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "teams" ADD CONSTRAINT "teams_budget_id_budgets_id_fk" FOREIGN KEY ("budget_id") REFERENCES "public"."budgets"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "teams" ADD CONSTRAINT "teams_rate_limit_id_rate_limits_id_fk" FOREIGN KEY ("rate_limit_id") REFERENCES "public"."rate_limits"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "virtual_key_provider_configs" ADD CONSTRAINT "virtual_key_provider_configs_virtual_key_id_virtual_keys_id_fk" FOREIGN KEY ("virtual_key_id") REFERENCES "public"."virtual_keys"("id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "virtual_key_provider_configs" ADD CONSTRAINT "virtual_key_provider_configs_budget_id_budgets_id_fk" FOREIGN KEY ("budget_id") REFERENCES "public"."budgets"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "virtual_key_provider_configs" ADD CONSTRAINT "virtual_key_provider_configs_rate_limit_id_rate_limits_id_fk" FOREIGN KEY ("rate_limit_id") REFERENCES "public"."rate_limits"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "virtual_keys" ADD CONSTRAINT "virtual_keys_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "virtual_keys" ADD CONSTRAINT "virtual_keys_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "virtual_keys" ADD CONSTRAINT "virtual_keys_budget_id_budgets_id_fk" FOREIGN KEY ("budget_id") REFERENCES "public"."budgets"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "virtual_keys" ADD CONSTRAINT "virtual_keys_rate_limit_id_rate_limits_id_fk" FOREIGN KEY ("rate_limit_id") REFERENCES "public"."rate_limits"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_keys" ADD CONSTRAINT "provider_keys_provider_providers_name_fk" FOREIGN KEY ("provider") REFERENCES "public"."providers"("name") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
CREATE INDEX "teams_customer_idx" ON "teams" USING btree ("customer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "vk_provider_configs_vk_provider_unique" ON "virtual_key_provider_configs" USING btree ("virtual_key_id","provider");--> statement-breakpoint
CREATE UNIQUE INDEX "virtual_keys_value_hash_unique" ON "virtual_keys" USING btree ("value_hash");--> statement-breakpoint
CREATE INDEX "virtual_keys_team_idx" ON "virtual_keys" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "virtual_keys_customer_idx" ON "virtual_keys" USING btree ("customer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "provider_keys_provider_name_unique" ON "provider_keys" USING btree ("provider","name");--> statement-breakpoint
CREATE INDEX "routing_rules_scope_idx" ON "routing_rules" USING btree ("scope","scope_id");--> statement-breakpoint
CREATE UNIQUE INDEX "price_entries_version_model_tier_unique" ON "price_entries" USING btree ("version","provider","model","tier_threshold_tokens");--> statement-breakpoint
CREATE INDEX "price_entries_provider_model_idx" ON "price_entries" USING btree ("provider","model");--> statement-breakpoint
CREATE INDEX "request_logs_created_idx" ON "request_logs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "request_logs_vk_created_idx" ON "request_logs" USING btree ("virtual_key_id","created_at");--> statement-breakpoint
CREATE INDEX "request_logs_provider_model_created_idx" ON "request_logs" USING btree ("provider","model","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "usage_ledger_idempotency_unique" ON "usage_ledger" USING btree ("request_id","attempt","kind","budget_id");--> statement-breakpoint
CREATE INDEX "usage_ledger_budget_idx" ON "usage_ledger" USING btree ("budget_id","created_at");