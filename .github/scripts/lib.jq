# Shared jq definitions for the scheduled jobs (.github/scripts/*.sh). Input shapes, read from the pinned sources:
#   - `pulumi stack export`: { version: 3, deployment: { resources: [ apitype.ResourceV3 ] } }
#     (urn, type, created, dependencies, ... [fact: cli-stack-output]);
#   - `pulumi preview --json` / `pulumi destroy --preview-only --json`: display.PreviewDigest
#     [fact: preview-json-digest]: { steps: [ { op, urn,
#     provider, oldState, newState, diffReasons, replaceReasons, detailedDiff } ], diagnostics, changeSummary };
#     `same` steps are left out except the root stack's, replacements appear as one logical `replace` step; with
#     `--refresh` every refreshed resource is also a `refresh` step (not a change: the op stays `refresh` unless the
#     command is `pulumi refresh`), and a looked-up resource is a `read` step [fact: engine-read-steps];
#   - the offline plan: `dotnet run --project infra/Cli -- plan --format json` (infra/Cli/Reports.cs).

# Whether a preview step changes anything: `same` does not, nor does `read` (a resource the program reads, such as
# its own stack's outputs through the `previous-deployment` stack reference, read on every run and with every
# --target [fact: engine-read-steps]).
def is_change: .op | IN("same", "read") | not;

# The resource name of a URN: urn:pulumi:<stack>::<project>::<qualified type>::<name>.
def urn_name: split("::") | .[3:] | join("::");

# The type of a URN: the last part of its qualified type (parent$child).
def urn_type: split("::")[2] | split("$") | last;

# The type of a preview step: its state's type, else its URN's.
def step_type: .newState.type // .oldState.type // (.urn | urn_type);

# Seconds since the epoch of an RFC 3339 instant (fractional seconds and offsets allowed); null when it is none.
def epoch:
  (capture("^(?<d>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(?:\\.[0-9]+)?(?<z>Z|z|[+-][0-9]{2}:[0-9]{2})$") // null) as $m
  | if $m == null then null
    else ($m.d + "Z" | fromdateiso8601)
      - (if ($m.z | ascii_downcase) == "z" then 0
         else ($m.z[1:3] | tonumber) * 3600 + ($m.z[4:6] | tonumber) * 60 | if $m.z[0:1] == "+" then . else -. end
         end)
    end;

# A value made safe for one markdown table cell or list item: no line break, no markup, no HTML.
def md:
  tostring | gsub("[\\r\\n\\t]+"; " ") | gsub("(?<c>[\\\\`*_{}\\[\\]()<>#+!|~-])"; "\\\(.c)");

def slot_types: ["databricks:index/servicePrincipalSecret:ServicePrincipalSecret", "databricks:index/oboToken:OboToken"];
def store_types: ["databricks:index/secret:Secret", "azure-native:keyvault:Secret"];
