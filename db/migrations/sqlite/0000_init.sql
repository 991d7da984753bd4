CREATE TABLE `admin_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`scopes` text NOT NULL,
	`expires_at` integer,
	`last_used_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `admin_users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `admin_tokens_token_hash_unique` ON `admin_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `admin_users` (
	`id` text PRIMARY KEY NOT NULL,
	`username` text NOT NULL,
	`password_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `admin_users_username_unique` ON `admin_users` (`username`);--> statement-breakpoint
CREATE TABLE `config_meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `budgets` (
	`id` text PRIMARY KEY NOT NULL,
	`max_limit_micros` integer NOT NULL,
	`reset_duration` text NOT NULL,
	`calendar_aligned` integer DEFAULT false NOT NULL,
	`mode` text DEFAULT 'soft' NOT NULL,
	`current_usage_micros` integer DEFAULT 0 NOT NULL,
	`reserved_micros` integer DEFAULT 0 NOT NULL,
	`window_start` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `customers` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`budget_id` text,
	`rate_limit_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`budget_id`) REFERENCES `budgets`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`rate_limit_id`) REFERENCES `rate_limits`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE TABLE `model_configs` (
	`id` text PRIMARY KEY NOT NULL,
	`model_name` text NOT NULL,
	`provider` text,
	`budget_id` text,
	`rate_limit_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`budget_id`) REFERENCES `budgets`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`rate_limit_id`) REFERENCES `rate_limits`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE TABLE `provider_governance` (
	`name` text PRIMARY KEY NOT NULL,
	`send_back_raw_request` integer,
	`send_back_raw_response` integer,
	`budget_id` text,
	`rate_limit_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`budget_id`) REFERENCES `budgets`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`rate_limit_id`) REFERENCES `rate_limits`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE TABLE `rate_limits` (
	`id` text PRIMARY KEY NOT NULL,
	`token_max_limit` integer,
	`token_reset_duration` text,
	`request_max_limit` integer,
	`request_reset_duration` text,
	`token_current_usage` integer DEFAULT 0 NOT NULL,
	`request_current_usage` integer DEFAULT 0 NOT NULL,
	`token_window_start` integer NOT NULL,
	`request_window_start` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `teams` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`customer_id` text,
	`budget_id` text,
	`rate_limit_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`budget_id`) REFERENCES `budgets`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`rate_limit_id`) REFERENCES `rate_limits`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE INDEX `teams_customer_idx` ON `teams` (`customer_id`);--> statement-breakpoint
CREATE TABLE `virtual_key_provider_configs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`virtual_key_id` text NOT NULL,
	`provider` text NOT NULL,
	`weight` real DEFAULT 1 NOT NULL,
	`allowed_models` text NOT NULL,
	`key_ids` text NOT NULL,
	`budget_id` text,
	`rate_limit_id` text,
	FOREIGN KEY (`virtual_key_id`) REFERENCES `virtual_keys`(`id`) ON UPDATE cascade ON DELETE cascade,
	FOREIGN KEY (`budget_id`) REFERENCES `budgets`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`rate_limit_id`) REFERENCES `rate_limits`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE UNIQUE INDEX `vk_provider_configs_vk_provider_unique` ON `virtual_key_provider_configs` (`virtual_key_id`,`provider`);--> statement-breakpoint
CREATE TABLE `virtual_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`value_hash` text NOT NULL,
	`value_suffix` text NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`team_id` text,
	`customer_id` text,
	`budget_id` text,
	`rate_limit_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`budget_id`) REFERENCES `budgets`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`rate_limit_id`) REFERENCES `rate_limits`(`id`) ON UPDATE no action ON DELETE restrict,
	CONSTRAINT "virtual_keys_single_owner" CHECK("virtual_keys"."team_id" IS NULL OR "virtual_keys"."customer_id" IS NULL)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `virtual_keys_value_hash_unique` ON `virtual_keys` (`value_hash`);--> statement-breakpoint
CREATE INDEX `virtual_keys_team_idx` ON `virtual_keys` (`team_id`);--> statement-breakpoint
CREATE INDEX `virtual_keys_customer_idx` ON `virtual_keys` (`customer_id`);--> statement-breakpoint
CREATE TABLE `provider_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`name` text NOT NULL,
	`value` text DEFAULT '' NOT NULL,
	`weight` real DEFAULT 1 NOT NULL,
	`models` text NOT NULL,
	`blacklisted_models` text NOT NULL,
	`aliases` text,
	`enabled` integer DEFAULT true NOT NULL,
	`use_for_batch_api` integer DEFAULT false NOT NULL,
	`azure_key_config` text,
	`bedrock_key_config` text,
	`vertex_key_config` text,
	`ollama_key_config` text,
	`sgl_key_config` text,
	`vllm_key_config` text,
	`replicate_key_config` text,
	`huggingface_key_config` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`provider`) REFERENCES `providers`(`name`) ON UPDATE cascade ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `provider_keys_provider_name_unique` ON `provider_keys` (`provider`,`name`);--> statement-breakpoint
CREATE TABLE `providers` (
	`name` text PRIMARY KEY NOT NULL,
	`network_config` text,
	`concurrency_and_buffer_size` text,
	`proxy_config` text,
	`custom_provider_config` text,
	`send_back_raw_response` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `plugins` (
	`name` text PRIMARY KEY NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`config` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `routing_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`enabled` integer DEFAULT true NOT NULL,
	`cel_expression` text NOT NULL,
	`targets` text NOT NULL,
	`fallbacks` text NOT NULL,
	`scope` text DEFAULT 'global' NOT NULL,
	`scope_id` text,
	`priority` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `routing_rules_scope_idx` ON `routing_rules` (`scope`,`scope_id`);--> statement-breakpoint
CREATE TABLE `price_entries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`provider` text NOT NULL,
	`model` text NOT NULL,
	`input_micros_per_mtok` integer NOT NULL,
	`output_micros_per_mtok` integer NOT NULL,
	`cache_read_micros_per_mtok` integer,
	`cache_write_micros_per_mtok` integer,
	`tier_threshold_tokens` integer DEFAULT 0 NOT NULL,
	`version` text NOT NULL,
	`source` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `price_entries_version_model_tier_unique` ON `price_entries` (`version`,`provider`,`model`,`tier_threshold_tokens`);--> statement-breakpoint
CREATE INDEX `price_entries_provider_model_idx` ON `price_entries` (`provider`,`model`);--> statement-breakpoint
CREATE TABLE `request_logs` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`completed_at` integer,
	`provider` text NOT NULL,
	`model` text NOT NULL,
	`endpoint` text,
	`stream` integer DEFAULT false NOT NULL,
	`status` text NOT NULL,
	`status_code` integer,
	`latency_ms` integer,
	`ttft_ms` integer,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	`cached_tokens` integer DEFAULT 0 NOT NULL,
	`cost_micros` integer,
	`unpriced` integer DEFAULT false NOT NULL,
	`price_book_version` text,
	`virtual_key_id` text,
	`team_id` text,
	`customer_id` text,
	`provider_key_name` text,
	`retries` integer DEFAULT 0 NOT NULL,
	`fallback_index` integer DEFAULT 0 NOT NULL,
	`routing_rule_id` text,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `request_logs_created_idx` ON `request_logs` (`created_at`);--> statement-breakpoint
CREATE INDEX `request_logs_vk_created_idx` ON `request_logs` (`virtual_key_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `request_logs_provider_model_created_idx` ON `request_logs` (`provider`,`model`,`created_at`);--> statement-breakpoint
CREATE TABLE `usage_ledger` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`request_id` text NOT NULL,
	`attempt` integer DEFAULT 0 NOT NULL,
	`kind` text NOT NULL,
	`budget_id` text NOT NULL,
	`amount_micros` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `usage_ledger_idempotency_unique` ON `usage_ledger` (`request_id`,`attempt`,`kind`,`budget_id`);--> statement-breakpoint
CREATE INDEX `usage_ledger_budget_idx` ON `usage_ledger` (`budget_id`,`created_at`);