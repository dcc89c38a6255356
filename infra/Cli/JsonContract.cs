using System.Text.Json.Serialization;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;

namespace DatabricksAccess.Cli;

// The JSON reports are a contract: the deploy, drift, revocation and rotation scripts (.github/scripts) read them.
// Each field is named here once; schema/cli-*.schema.json describe the same fields, and ReportSchemaTests fail when the
// two differ. A null field is left out (Reports.Json), and enums are written in kebab-case.

/// <summary><c>check --format json</c>.</summary>
internal sealed record CheckJson(
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("now")] string Now,
    [property: JsonPropertyName("exitCode")] int ExitCode,
    [property: JsonPropertyName("diagnostics")] IEnumerable<DiagnosticJson> Diagnostics,
    [property: JsonPropertyName("blastRadius")] IEnumerable<BlastRadiusJson>? BlastRadius,
    [property: JsonPropertyName("settings")] SettingsJson? Settings);

/// <summary><c>access --format json</c> (schema/cli-access.schema.json): the subject and every entry with its path.</summary>
internal sealed record AccessAnswerJson(
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("now")] string Now,
    [property: JsonPropertyName("exitCode")] int ExitCode,
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("note")] string? Note,
    [property: JsonPropertyName("entries")] IEnumerable<AccessAnswerEntryJson> Entries);

/// <summary>One entry of the <c>access</c> answer; <c>until</c> is the earliest end along the path.</summary>
internal sealed record AccessAnswerEntryJson(
    [property: JsonPropertyName("principal")] string Principal,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("permission")] string Permission,
    [property: JsonPropertyName("via")] string? Via,
    [property: JsonPropertyName("until")] string? Until,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("path")] IEnumerable<PathStepJson> Path);

/// <summary>One hop of an access path: a membership, a nested group or an acting-as edge, and what makes it.</summary>
internal sealed record PathStepJson(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("from")] string From,
    [property: JsonPropertyName("to")] string To,
    [property: JsonPropertyName("via")] string Via);

/// <summary><c>plan --format json</c>; <see cref="Access"/> and <see cref="ActingAs"/> are streamed, in that order.</summary>
internal sealed record PlanJson(
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("now")] string Now,
    [property: JsonPropertyName("exitCode")] int ExitCode,
    [property: JsonPropertyName("diagnostics")] IEnumerable<DiagnosticJson> Diagnostics,
    [property: JsonPropertyName("resources")] IEnumerable<ResourceJson> Resources,
    [property: JsonPropertyName("blastRadius")] IEnumerable<BlastRadiusJson> BlastRadius,
    [property: JsonPropertyName("settings")] SettingsJson Settings,
    [property: JsonPropertyName("tokenUsers")] IEnumerable<string>? TokenUsers,
    [property: JsonPropertyName("credentials")] IEnumerable<CredentialSlotJson> Credentials,
    [property: JsonPropertyName("lookups")] IEnumerable<LookupJson> Lookups,
    [property: JsonPropertyName("expiringSoon")] IEnumerable<ExpiringJson> ExpiringSoon,
    [property: JsonPropertyName("expired")] IEnumerable<ExpiredJson> Expired,
    [property: JsonPropertyName("timeBound")] IEnumerable<TimeBoundJson> TimeBound,
    [property: JsonPropertyName("pending")] IEnumerable<PendingJson> Pending,
    [property: JsonPropertyName("unresolved")] IEnumerable<UnresolvedJson> Unresolved,
    [property: JsonPropertyName("access")] IEnumerable<AccessJson> Access,
    [property: JsonPropertyName("actingAs")] IEnumerable<ActingAsJson> ActingAs);

/// <summary><c>diff --format json</c>.</summary>
internal sealed record DiffJson(
    [property: JsonPropertyName("base")] string Base,
    [property: JsonPropertyName("head")] string Head,
    [property: JsonPropertyName("now")] string Now,
    [property: JsonPropertyName("changes")] IEnumerable<AccessChangeJson> Changes,
    [property: JsonPropertyName("planChanges")] IEnumerable<PlanChangeJson> PlanChanges);

internal sealed record DiagnosticJson(
    [property: JsonPropertyName("severity")] Severity Severity,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("rule")] string? Rule,
    [property: JsonPropertyName("message")] string Message);

/// <summary>One blast-radius entry: <c>authority</c>, and for per-principal resources <c>principal</c> and <c>object</c>.</summary>
internal sealed record BlastRadiusJson(
    [property: JsonPropertyName("component")] string Component,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("authority")] string Authority,
    [property: JsonPropertyName("principal")] string? Principal,
    [property: JsonPropertyName("object")] string? Object,
    [property: JsonPropertyName("protect")] bool Protect,
    [property: JsonPropertyName("revokes")] string? Revokes,
    [property: JsonPropertyName("confers")] string? Confers);

/// <summary>Account roles, managers, delegated members, token policy, warehouses and runtimes.</summary>
internal sealed record SettingsJson(
    [property: JsonPropertyName("accountRoles")] IEnumerable<AccountRoleJson> AccountRoles,
    [property: JsonPropertyName("managers")] IEnumerable<ManagersJson> Managers,
    [property: JsonPropertyName("delegatedGroups")] IEnumerable<DelegatedGroupJson> DelegatedGroups,
    [property: JsonPropertyName("tokenPolicy")] TokenPolicyJson? TokenPolicy,
    [property: JsonPropertyName("warehouses")] IEnumerable<WarehouseJson> Warehouses,
    [property: JsonPropertyName("webApps")] IEnumerable<WebAppJson> WebApps);

internal sealed record AccountRoleJson(
    [property: JsonPropertyName("principal")] string Principal,
    [property: JsonPropertyName("role")] string Role);

internal sealed record ManagersJson(
    [property: JsonPropertyName("principal")] string Principal,
    [property: JsonPropertyName("managers")] IEnumerable<string> Managers);

internal sealed record DelegatedGroupJson(
    [property: JsonPropertyName("group")] string Group,
    [property: JsonPropertyName("managedBy")] string? ManagedBy,
    [property: JsonPropertyName("note")] string Note);

internal sealed record TokenPolicyJson([property: JsonPropertyName("maxLifetimeDays")] int MaxLifetimeDays);

internal sealed record WarehouseJson(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("canUse")] IEnumerable<string> CanUse,
    [property: JsonPropertyName("canManage")] IEnumerable<string> CanManage);

internal sealed record WebAppJson(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("site")] string Site,
    [property: JsonPropertyName("runtime")] string Runtime);

/// <summary>One resource the program registers, with every option it applies.</summary>
internal sealed record ResourceJson(
    [property: JsonPropertyName("component")] string Component,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("provider")] ProviderScope Provider,
    [property: JsonPropertyName("authority")] string Authority,
    [property: JsonPropertyName("principal")] string? Principal,
    [property: JsonPropertyName("object")] string? Object,
    [property: JsonPropertyName("deleteBeforeReplace")] bool DeleteBeforeReplace,
    [property: JsonPropertyName("retainOnDelete")] bool RetainOnDelete,
    [property: JsonPropertyName("protect")] bool Protect,
    [property: JsonPropertyName("importId")] string? ImportId,
    [property: JsonPropertyName("entitlements")] string? Entitlements,
    [property: JsonPropertyName("retiring")] bool? Retiring,
    [property: JsonPropertyName("owner")] OwnerJson? Owner);

internal sealed record OwnerJson(
    [property: JsonPropertyName("principal")] string Principal,
    [property: JsonPropertyName("source")] string Source);

/// <summary>One slot of a rotated credential; the store fields only on the current slot.</summary>
internal sealed record CredentialSlotJson(
    [property: JsonPropertyName("declared")] bool Declared,
    [property: JsonPropertyName("principal")] string Principal,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("slot")] string Slot,
    [property: JsonPropertyName("issued")] string Issued,
    [property: JsonPropertyName("expires")] string Expires,
    [property: JsonPropertyName("current")] bool Current,
    [property: JsonPropertyName("store")] string? Store,
    [property: JsonPropertyName("storeFormat")] StoreFormat? StoreFormat,
    [property: JsonPropertyName("resource")] string Resource,
    [property: JsonPropertyName("storeResource")] string? StoreResource,
    [property: JsonPropertyName("rotationDays")] int RotationDays,
    [property: JsonPropertyName("overlapDays")] int OverlapDays,
    [property: JsonPropertyName("nextRotation")] string NextRotation,
    [property: JsonPropertyName("schedule")] string Schedule);

internal sealed record LookupJson(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("provider")] ProviderScope Provider);

internal sealed record ExpiringJson(
    [property: JsonPropertyName("group")] string Group,
    [property: JsonPropertyName("principal")] string Principal,
    [property: JsonPropertyName("expires")] string Expires,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("path")] string Path);

/// <summary><see cref="Type"/> and <see cref="Resource"/>: the GroupMember an expired membership had, for the scheduled revocation.</summary>
internal sealed record ExpiredJson(
    [property: JsonPropertyName("group")] string Group,
    [property: JsonPropertyName("principal")] string Principal,
    [property: JsonPropertyName("expires")] string Expires,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("resource")] string Resource);

/// <summary><see cref="Starts"/>, <see cref="Type"/> and <see cref="Resource"/>: the GroupMember of a started membership, for the hourly job that adds it.</summary>
internal sealed record TimeBoundJson(
    [property: JsonPropertyName("group")] string Group,
    [property: JsonPropertyName("principal")] string Principal,
    [property: JsonPropertyName("expires")] string Expires,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("starts")] string? Starts,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("resource")] string Resource);

internal sealed record PendingJson(
    [property: JsonPropertyName("group")] string Group,
    [property: JsonPropertyName("principal")] string Principal,
    [property: JsonPropertyName("starts")] string Starts,
    [property: JsonPropertyName("expires")] string Expires,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("resource")] string Resource);

internal sealed record UnresolvedJson(
    [property: JsonPropertyName("email")] string Email,
    [property: JsonPropertyName("scope")] ProviderScope Scope,
    [property: JsonPropertyName("paths")] IReadOnlyList<string> Paths);

/// <summary>One row of the access matrix.</summary>
internal sealed record AccessJson(
    [property: JsonPropertyName("principal")] string Principal,
    [property: JsonPropertyName("level")] IdentityLevel Level,
    [property: JsonPropertyName("kind")] AccessKind Kind,
    [property: JsonPropertyName("resource")] string Resource,
    [property: JsonPropertyName("resourceKey")] string? ResourceKey,
    [property: JsonPropertyName("permission")] string Permission,
    [property: JsonPropertyName("via")] string? Via,
    [property: JsonPropertyName("until")] string? Until,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("grantedBy")] string? GrantedBy,
    [property: JsonPropertyName("note")] string? Note);

internal sealed record ActingAsJson(
    [property: JsonPropertyName("principal")] string Principal,
    [property: JsonPropertyName("actsAs")] string ActsAs,
    [property: JsonPropertyName("path")] string? Path,
    [property: JsonPropertyName("until")] string? Until,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("target")] ActingAsTargetJson Target);

/// <summary>What the principal acted as reaches: admin level, and a count per kind of privilege.</summary>
internal sealed record ActingAsTargetJson(
    [property: JsonPropertyName("adminLevel")] bool AdminLevel,
    [property: JsonPropertyName("adminUntil")] string? AdminUntil,
    [property: JsonPropertyName("privileges")] IReadOnlyDictionary<string, int> Privileges,
    [property: JsonPropertyName("text")] string Text);

internal sealed record AccessChangeJson(
    [property: JsonPropertyName("change")] ChangeKind Change,
    [property: JsonPropertyName("principal")] string Principal,
    [property: JsonPropertyName("kind")] AccessKind Kind,
    [property: JsonPropertyName("resource")] string Resource,
    [property: JsonPropertyName("resourceKey")] string? ResourceKey,
    [property: JsonPropertyName("before")] string? Before,
    [property: JsonPropertyName("after")] string? After,
    [property: JsonPropertyName("via")] string? Via,
    [property: JsonPropertyName("until")] string? Until,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("actedAsBy")] int? ActedAsBy,
    [property: JsonPropertyName("text")] string Text);

internal sealed record PlanChangeJson(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("loosens")] bool? Loosens);

/// <summary>
/// <c>adopt --format json</c> (schema/cli-adopt.schema.json): what was written where, the counts, and every line a
/// reviewer must read before the first <c>up</c>. Written compact, nulls included (none of its fields is null).
/// </summary>
internal sealed record AdoptJson(
    [property: JsonPropertyName("out")] string Out,
    [property: JsonPropertyName("workspace")] string Workspace,
    [property: JsonPropertyName("now")] string Now,
    [property: JsonPropertyName("exitCode")] int ExitCode,
    [property: JsonPropertyName("adopted")] AdoptedJson Adopted,
    [property: JsonPropertyName("imports")] int Imports,
    [property: JsonPropertyName("alreadyDeclared")] int AlreadyDeclared,
    [property: JsonPropertyName("grantsRead")] IReadOnlyList<string> GrantsRead,
    [property: JsonPropertyName("secrets")] IReadOnlyList<string> Secrets,
    [property: JsonPropertyName("notAdopted")] IReadOnlyList<string> NotAdopted,
    [property: JsonPropertyName("notes")] IReadOnlyList<string> Notes,
    [property: JsonPropertyName("violations")] IReadOnlyList<AdoptViolationJson> Violations);

/// <summary>How many objects of each kind the adopted file declares.</summary>
internal sealed record AdoptedJson(
    [property: JsonPropertyName("groups")] int Groups,
    [property: JsonPropertyName("entraGroups")] int EntraGroups,
    [property: JsonPropertyName("members")] int Members,
    [property: JsonPropertyName("servicePrincipals")] int ServicePrincipals,
    [property: JsonPropertyName("secretScopes")] int SecretScopes,
    [property: JsonPropertyName("acls")] int Acls,
    [property: JsonPropertyName("grants")] int Grants,
    [property: JsonPropertyName("jobs")] int Jobs,
    [property: JsonPropertyName("jobPermissions")] int JobPermissions,
    [property: JsonPropertyName("users")] int Users);

/// <summary>A policy violation of the adopted file (a violation always names its rule): adopt never edits policy, the reviewer decides.</summary>
internal sealed record AdoptViolationJson(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("rule")] string Rule,
    [property: JsonPropertyName("message")] string Message);
