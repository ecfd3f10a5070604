package dev.beacon.status;

import dev.beacon.runtime.Cli;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "maintenance", mixinStandardHelpOptions = true,
        description = "Announces maintenance windows on a running status page (its admin API); their minutes count for no uptime.",
        subcommands = {MaintenanceCommand.Add.class, MaintenanceCommand.ListCmd.class, MaintenanceCommand.Delete.class})
final class MaintenanceCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: add, list or delete");
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Announces a window; prints its id.")
    static final class Add implements Callable<Integer> {
        @Mixin
        AdminClient client = new AdminClient();
        @Option(names = "--title", required = true, description = "What users see, e.g. 'Upgrading the relay'")
        String title;
        @Option(names = "--from", required = true, paramLabel = "TIME", description = "Start, e.g. 2030-01-31T22:00:00Z")
        String from;
        @Option(names = "--to", required = true, paramLabel = "TIME", description = "End (exclusive), e.g. 2030-01-31T23:00:00Z")
        String to;
        @Option(names = "--component", paramLabel = "NAME", description = "Component in maintenance (repeatable; none: all)")
        List<String> components = new ArrayList<>();

        @Override
        public Integer call() {
            time("--from", from);
            time("--to", to);
            JsonObject req = new JsonObject().put("title", title).put("startsAt", from).put("endsAt", to)
                    .put("components", new JsonArray(components));
            JsonObject created = new JsonObject(client.call("POST", "/api/maintenance", req));
            System.out.println("maintenance " + created.getLong("id") + " announced: " + created.getString("startsAt")
                    + " .. " + created.getString("endsAt"));
            return 0;
        }

        private static void time(String option, String value) {
            try {
                OffsetDateTime.parse(value);
            } catch (DateTimeParseException e) {
                throw new Cli.UsageException(option + " must be a time like 2030-01-31T22:00:00Z, got '" + value + "'");
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists windows active now or ahead.")
    static final class ListCmd implements Callable<Integer> {
        @Mixin
        AdminClient client = new AdminClient();

        @Override
        public Integer call() {
            for (Object o : new JsonArray(client.call("GET", "/api/maintenance", null))) {
                JsonObject m = (JsonObject) o;
                JsonArray c = m.getJsonArray("components");
                System.out.printf("%-6d %s .. %s  %s  [%s]%n", m.getLong("id"), m.getString("startsAt"), m.getString("endsAt"),
                        m.getString("title"), c.isEmpty() ? "all components" : String.join(", ", c.getList()));
            }
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Withdraws a window.")
    static final class Delete implements Callable<Integer> {
        @Mixin
        AdminClient client = new AdminClient();
        @Parameters(index = "0", paramLabel = "ID", description = "The window's id")
        long id;

        @Override
        public Integer call() {
            client.call("DELETE", "/api/maintenance/" + id, null);
            System.out.println("maintenance " + id + " deleted");
            return 0;
        }
    }
}
