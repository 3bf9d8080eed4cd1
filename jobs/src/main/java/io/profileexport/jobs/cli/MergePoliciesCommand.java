package io.profileexport.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.lake.Ids;
import io.profileexport.engine.model.Documents;
import io.profileexport.engine.model.MergePolicy;
import io.profileexport.engine.model.MergePolicyRequest;
import io.profileexport.engine.settings.LakeSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code merge-policies create | update | list | get}: the public Merge Policies API (SPEC 5.1). */
@Command(name = "merge-policies", description = "Create, update and read merge policies.",
    subcommands = {MergePoliciesCommand.Create.class, MergePoliciesCommand.Update.class,
        MergePoliciesCommand.ListAll.class, MergePoliciesCommand.Get.class})
final class MergePoliciesCommand extends GroupCommand {

  @Command(name = "create", description = "Create a policy at version 1; prints the policy.")
  static final class Create extends LakeCommand {
    @Option(names = "--file", required = true, paramLabel = "FILE", description = "The JSON body ('-' for stdin)")
    String file;

    @Override
    Outcome run(CliContext ctx) {
      Catalog catalog = ctx.catalog();
      JsonNode body = Documents.readFile(file, ctx.settings().get(LakeSettings.MAX_REQUEST_BYTES), System.in);
      long now = ctx.clock().millis();
      MergePolicy parsed = MergePolicyRequest.parse(body, Optional.empty(), 1, imsOrg(ctx), now / 1000,
          catalog::dataset);
      MergePolicy policy = parsed.id() != null ? parsed : withId(parsed, UUID.randomUUID().toString());
      if (catalog.policy(policy.id()).isPresent() || !catalog.createPolicy(policy)) {
        throw ExportErrors.badRequest("$.id", policy.id(), "a merge policy with this id already exists");
      }
      clearOtherDefaults(catalog, policy, now);
      return Outcome.ok(policy);
    }
  }

  @Command(name = "update", description = "Replace a policy's body; bumps its version; prints the policy.")
  static final class Update extends LakeCommand {
    @Parameters(paramLabel = "ID", description = "The policy id")
    String id;

    @Option(names = "--file", required = true, paramLabel = "FILE", description = "The JSON body ('-' for stdin)")
    String file;

    @Override
    Outcome run(CliContext ctx) {
      Catalog catalog = ctx.catalog();
      Ids.requirePolicy(id);
      if (MergePolicy.BUILT_INS.containsKey(id)) {
        throw ExportErrors.badRequest("ID", id, "built-in policies cannot be created or changed");
      }
      MergePolicy current = catalog.policy(id).orElseThrow(() -> ExportErrors.notFound("ID", "merge policy", id));
      JsonNode body = Documents.readFile(file, ctx.settings().get(LakeSettings.MAX_REQUEST_BYTES), System.in);
      long now = ctx.clock().millis();
      MergePolicy policy = MergePolicyRequest.parse(body, Optional.of(id), current.version() + 1,
          current.imsOrgId(), now / 1000, catalog::dataset);
      catalog.savePolicy(policy);
      clearOtherDefaults(catalog, policy, now);
      return Outcome.ok(policy);
    }
  }

  @Command(name = "list", description = "Every policy, built-ins first, in the public list shape.")
  static final class ListAll extends LakeCommand {
    @Override
    Outcome run(CliContext ctx) {
      List<MergePolicy> all = ctx.catalog().policies();
      Map<String, Object> page = new LinkedHashMap<>();
      page.put("totalCount", all.size());
      page.put("pageSize", all.size());
      Map<String, Object> document = new LinkedHashMap<>();
      document.put("_page", page);
      document.put("children", all);
      document.put("_links", Map.of("next", Map.of("href", "")));
      return Outcome.ok(document);
    }
  }

  @Command(name = "get", description = "One policy.")
  static final class Get extends LakeCommand {
    @Parameters(paramLabel = "ID", description = "The policy id")
    String id;

    @Override
    Outcome run(CliContext ctx) {
      Ids.requirePolicy(id);
      return Outcome.ok(ctx.catalog().policy(id).orElseThrow(() -> ExportErrors.notFound("ID", "merge policy", id)));
    }
  }

  private static String imsOrg(CliContext ctx) {
    return ctx.imsOrg().orElse(ProfileExportCommand.DEFAULT_IMS_ORG);
  }

  private static MergePolicy withId(MergePolicy p, String id) {
    return new MergePolicy(id, p.name(), p.imsOrgId(), p.schema(), p.version(), p.identityGraph(),
        p.attributeMerge(), p.isDefault(), p.isActiveOnEdge(), p.updateEpoch(), p.maxIdentitiesPerGraph());
  }

  /** One default per lake: setting it on one policy clears it on the others (SPEC 5.1). */
  private static void clearOtherDefaults(Catalog catalog, MergePolicy policy, long now) {
    if (!policy.isDefault()) {
      return;
    }
    for (MergePolicy other : catalog.policies()) {
      if (other.isDefault() && !other.id().equals(policy.id()) && !other.isBuiltIn()) {
        catalog.savePolicy(other.withDefault(false, now / 1000));
      }
    }
  }
}
