package dev.beacon.status;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "incident", mixinStandardHelpOptions = true,
        description = "Opens and updates incidents on a running status page (its admin API).",
        subcommands = {IncidentCommand.Open.class, IncidentCommand.Update.class, IncidentCommand.ListCmd.class})
final class IncidentCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: open, update or list");
    }

    @Command(name = "open", mixinStandardHelpOptions = true, description = "Opens an incident; prints its id.")
    static final class Open implements Callable<Integer> {
        @Mixin
        AdminClient client = new AdminClient();
        @Option(names = "--title", required = true, description = "What users see, e.g. 'Relay unreachable from eu-west'")
        String title;
        @Option(names = "--component", required = true, paramLabel = "NAME",
                description = "Affected component, e.g. canary or node/n1/tls (repeatable)")
        List<String> components;
        @Option(names = "--impact", defaultValue = "minor", description = "none, minor, major or critical (default: ${DEFAULT-VALUE})")
        String impact;
        @Option(names = "--status", defaultValue = "investigating",
                description = "investigating, identified, monitoring, resolved or postmortem (default: ${DEFAULT-VALUE})")
        String status;
        @Option(names = "--body", description = "First update's text")
        String body;

        @Override
        public Integer call() {
            JsonObject req = new JsonObject().put("title", title).put("components", new JsonArray(components))
                    .put("impact", impact).put("status", status);
            if (body != null) req.put("body", body);
            JsonObject created = new JsonObject(client.call("POST", "/api/incidents", req));
            System.out.println("incident " + created.getLong("id") + " opened: " + created.getString("title"));
            return 0;
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true, description = "Posts an update; the incident takes its status.")
    static final class Update implements Callable<Integer> {
        @Mixin
        AdminClient client = new AdminClient();
        @Parameters(index = "0", paramLabel = "ID", description = "The incident's id")
        long id;
        @Option(names = "--status", required = true, description = "investigating, identified, monitoring, resolved or postmortem")
        String status;
        @Option(names = "--body", required = true, description = "What happened, for users")
        String body;

        @Override
        public Integer call() {
            client.call("POST", "/api/incidents/" + id + "/updates", new JsonObject().put("status", status).put("body", body));
            System.out.println("incident " + id + " updated: " + status);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists incidents of the last 90 days, newest first.")
    static final class ListCmd implements Callable<Integer> {
        @Mixin
        AdminClient client = new AdminClient();

        @Override
        public Integer call() {
            for (Object o : new JsonArray(client.call("GET", "/api/incidents", null))) {
                JsonObject i = (JsonObject) o;
                System.out.printf("%-6d %-13s %-8s %s  %s%n", i.getLong("id"), i.getString("status"), i.getString("impact"),
                        i.getString("startedAt"), i.getString("title"));
            }
            return 0;
        }
    }
}
