/**
 * The root types and their default authorisation: queries need `read`, mutations `write`,
 * subscriptions `read`. Fields that differ (login, the gateway's snapshot and config stream)
 * opt out with `skipTypeScopes` and state their own scopes.
 */
import { builder } from '../builder.ts';

builder.queryType({ authScopes: { read: true } });
builder.mutationType({ authScopes: { write: true } });
builder.subscriptionType({ authScopes: { read: true } });
