// ferry new NAME: creates migrations/NNNN_name.sql with -- +up and -- +down
// sections, numbered one past the highest version in the folder.
#include <cctype>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "core/migration_source.h"

namespace ferry::cli {

void AddNewCommand(CLI::App& app, CommandRunner* run) {
  auto name = std::make_shared<std::string>();
  auto* sub = app.add_subcommand("new", "Create the next migration file NNNN_name.sql");
  sub->add_option("name", *name, "What the migration does, e.g. add_users_email")->required();
  sub->callback([run, name] {
    *run = [name](CommandContext& ctx) {
      std::string clean;
      for (char c : *name) {
        unsigned char u = static_cast<unsigned char>(c);
        clean += (std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '_');
      }
      if (clean.empty() || clean.find_first_not_of('_') == std::string::npos)
        return ReportError(ctx,
                           InvalidArgument("new: name \"" + *name + "\" has no letters or digits"));
      const std::string& dir = ctx.opts.migrations_dir;
      if (!ctx.env->FileExists(dir)) {
        if (Status st = ctx.env->CreateDirs(dir); !st.ok()) return ReportError(ctx, st);
      }
      auto set = NewFolderSource(dir, ctx.env)->Load();
      if (!set.ok()) return ReportError(ctx, set.status());
      if (set->format != SourceFormat::kFerry && set->format != SourceFormat::kEmpty)
        return ReportError(ctx,
                           InvalidArgument("new: " + dir + " uses the " +
                                           std::string(SourceFormatName(set->format)) +
                                           " layout; create its files with that project's tool"));
      uint64_t next = 1;
      if (auto latest = set->Latest()) next = latest->parts().front() + 1;
      char num[32];
      std::snprintf(num, sizeof num, "%04llu", static_cast<unsigned long long>(next));
      std::string path = dir + "/" + num + "_" + clean + ".sql";
      std::string body = "-- " + *name + "\n-- +up\n\n\n-- +down\n\n";
      if (Status st = ctx.env->CreateNewFile(path, body); !st.ok()) return ReportError(ctx, st);
      if (ctx.opts.json()) {
        *ctx.out << nlohmann::json{{"ok", true}, {"path", path}}.dump(2) << "\n";
      } else {
        *ctx.out << "created " << path << "\n";
      }
      return kExitOk;
    };
  });
}

}  // namespace ferry::cli
