package dev.beacon.bridge.openbao.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.runtime.Cli;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The control HTTP API and the openbao-sim command. */
class OpenBaoSimControlAndCliTest {
    @TempDir
    Path dir;
    OpenBaoSimulator sim;
    final SimClient c = new SimClient(null);

    @AfterEach
    void stop() {
        if (sim != null) sim.close();
    }

    private String control(String path) {
        return "http://127.0.0.1:" + sim.controlPort() + path;
    }

    @SuppressWarnings("unchecked")
    private static String stateOf(Map<String, Object> status, int i) {
        return (String) ((List<Map<String, Object>>) status.get("nodes")).get(i).get("state");
    }

    @Test
    void controlApiShowsStatusAndDrivesEveryNodeAction() throws Exception {
        OpenBaoSimulator.Options o = new OpenBaoSimulator.Options();
        o.controlPort = 0;
        o.electionTime = Duration.ofMillis(200);
        o.stepDownElectionTime = Duration.ofMillis(50);
        o.standbyLeaderRecheck = Duration.ofMillis(50);
        sim = OpenBaoSimulator.start(o);
        assertTrue(sim.controlPort() > 0);

        Map<String, Object> st = c.get(control("/sim/status")).json();
        assertEquals(0, st.get("leader"));
        assertEquals(sim.addresses().get(0), st.get("leader_address"));
        @SuppressWarnings("unchecked")
        Map<String, Object> n0 = ((List<Map<String, Object>>) st.get("nodes")).get(0);
        assertEquals(0, n0.get("index"));
        assertEquals(sim.addresses().get(0), n0.get("address"));
        assertEquals("active", n0.get("state"));
        assertEquals(false, n0.get("held_off"));
        assertEquals("standby", stateOf(st, 1));

        SimClient.Res kill = c.post(control("/sim/nodes/1/kill"), null);
        assertEquals(200, kill.status(), kill.toString());
        assertEquals("killed", stateOf(kill.json(), 1));
        assertEquals("standby", stateOf(c.post(control("/sim/nodes/1/restart"), null).json(), 1));
        assertEquals("hung", stateOf(c.post(control("/sim/nodes/2/hang"), null).json(), 2));
        assertEquals("standby", stateOf(c.post(control("/sim/nodes/2/unhang"), null).json(), 2));
        assertEquals("sealed", stateOf(c.post(control("/sim/nodes/2/seal"), null).json(), 2));
        assertEquals("standby", stateOf(c.post(control("/sim/nodes/2/unseal"), null).json(), 2));
        assertEquals(409, c.post(control("/sim/nodes/1/step-down"), null).status(), "not active");
        Map<String, Object> down = c.post(control("/sim/nodes/0/step-down"), null).json();
        assertEquals(-1, down.get("leader"));
        assertEquals("standby", stateOf(down, 0));
        sim.awaitActive(Duration.ofSeconds(5));
        assertEquals(sim.activeIndex(), c.get(control("/sim/status")).json().get("leader"));
        assertEquals("killed", stateOf(c.post(control("/sim/nodes/0/shutdown"), null).json(), 0));

        assertEquals(404, c.post(control("/sim/nodes/7/kill"), null).status());
        assertEquals(404, c.post(control("/sim/nodes/1/explode"), null).status());
        assertEquals(405, c.get(control("/sim/nodes/1/kill")).status());
        assertEquals(404, c.get(control("/nope")).status());
        Map<String, Object> kv = c.get(control("/sim/kv/app/none")).json();
        assertEquals(0, kv.get("writes"));
    }

    private static int run(List<String> args, StringWriter out, StringWriter err) {
        CommandLine cl = Cli.commandLine(new OpenBaoSimCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args.toArray(String[]::new));
    }

    @Test
    void helpExitsZeroAndSaysItIsASimulator() {
        StringWriter out = new StringWriter();
        assertEquals(0, run(List.of("--help"), out, new StringWriter()));
        assertTrue(out.toString().contains("SIMULATED OpenBao HA cluster for tests and local mode"), out.toString());
        assertTrue(out.toString().contains("NOT OpenBao"));
        assertTrue(out.toString().contains("openbao-sim.jar"), out.toString());
    }

    @Test
    void badFlagsExitTwoWithAClearError() {
        for (List<String> bad : List.of(List.of("--bogus"), List.of("--nodes", "abc"), List.of("--tls-cert", "/x.crt"),
                List.of("--seed", "nojson"), List.of("--seed", "app={not json"), List.of("--seed", "app=[1]"),
                List.of("--election", "soon"), List.of("--ports", "1,2"), List.of("--nodes", "0"))) {
            List<String> args = new ArrayList<>();
            args.addAll(bad);
            StringWriter err = new StringWriter();
            assertEquals(2, run(args, new StringWriter(), err), bad + ": " + err);
            assertTrue(!err.toString().isBlank(), bad.toString());
        }
    }

    @Test
    void startWritesTheStateFileAndSeedsAndSaysReady() throws Exception {
        OpenBaoSimCommand cmd = new OpenBaoSimCommand();
        Path state = dir.resolve("sim/state.json");
        new CommandLine(cmd).parseArgs("--nodes", "2", "--election", "1.5s", "--root-token", "t0k3n",
                "--seed", "app/config={\"password\":\"s3cr3t\"}", "--seed", "/other/={\"n\":1}", "--state-file", state.toString());
        assertEquals(Duration.ofMillis(1500), cmd.options().electionTime);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        sim = cmd.start(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.trim().endsWith("ready"), out);
        assertTrue(out.contains("not OpenBao"), out);
        Map<String, Object> st = readJson(state);
        assertEquals(sim.addresses(), st.get("addresses"));
        assertEquals(sim.controlPort(), st.get("control_port"));
        assertEquals("t0k3n", st.get("root_token"));
        SimClient.Res r = c.token("t0k3n").get(sim.addresses().get(1) + "/v1/secret/data/app/config");
        assertEquals("s3cr3t", ((Map<?, ?>) r.data().get("data")).get("password"));
        assertEquals(Map.of("n", 1), sim.read("other"));
        assertEquals("standby", stateOf(c.get((String) st.get("control_address") + "/sim/status").json(), 1));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readJson(Path p) throws Exception {
        return SimClient.JSON.readValue(Files.readString(p), Map.class);
    }

    @Test
    void aRealProcessPrintsReadyAndExitsZeroOnSigterm() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path state = dir.resolve("state.json");
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), OpenBaoSimCommand.class.getName(),
                "--nodes", "1", "--state-file", state.toString(), "--seed", "app/config={\"password\":\"s3cr3t\"}")
                .redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            String line;
            while ((line = r.readLine()) != null && !line.equals("ready")) seen.append(line).append('\n');
            assertEquals("ready", line, seen.toString());
            String addr = (String) ((List<?>) readJson(state).get("addresses")).get(0);
            assertEquals(200, c.get(addr + "/v1/sys/health").status());
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "exits on SIGTERM");
            assertEquals(0, p.exitValue());
        } finally {
            p.destroyForcibly();
        }
    }
}
