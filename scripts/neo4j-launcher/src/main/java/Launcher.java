import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilders;

/**
 * Starts a throw-away Neo4j Community server (via neo4j-harness, in-process)
 * for tests and local development, and blocks until the JVM is terminated.
 *
 * Usage: java -cp <classpath> Launcher --bolt-port=N --http-port=N --dir=PATH
 *          [--host=127.0.0.1] [--pagecache-mb=512] [--parent-pid=PID]
 *
 * Authentication is disabled (any credentials are accepted). On success a single
 * line "NEO4J_READY {json}" is printed to stdout. SIGTERM/SIGINT trigger a
 * shutdown hook that closes the server (which also deletes its working dir).
 * With --parent-pid, the server also exits when that process disappears.
 */
public final class Launcher {
    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new HashMap<>();
        for (String a : args) {
            if (!a.startsWith("--") || !a.contains("=")) {
                throw new IllegalArgumentException("bad argument: " + a);
            }
            int eq = a.indexOf('=');
            opts.put(a.substring(2, eq), a.substring(eq + 1));
        }
        String host = opts.getOrDefault("host", "127.0.0.1");
        int boltPort = Integer.parseInt(required(opts, "bolt-port"));
        int httpPort = Integer.parseInt(required(opts, "http-port"));
        Path dir = Path.of(required(opts, "dir"));
        long pageCacheMb = Long.parseLong(opts.getOrDefault("pagecache-mb", "512"));
        Files.createDirectories(dir);

        long t0 = System.nanoTime();
        Neo4j neo4j = Neo4jBuilders.newInProcessBuilder(dir)
                .withConfig(GraphDatabaseSettings.auth_enabled, false)
                .withConfig(GraphDatabaseSettings.pagecache_memory, pageCacheMb * 1024L * 1024L)
                .withConfig(BoltConnector.enabled, true)
                .withConfig(BoltConnector.listen_address, new SocketAddress(host, boltPort))
                .withConfig(BoltConnector.advertised_address, new SocketAddress(host, boltPort))
                .withConfig(HttpConnector.enabled, true)
                .withConfig(HttpConnector.listen_address, new SocketAddress(host, httpPort))
                .withConfig(HttpConnector.advertised_address, new SocketAddress(host, httpPort))
                .withConfig(HttpsConnector.enabled, false)
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("NEO4J_STOPPING");
            try {
                neo4j.close();
            } catch (Throwable t) {
                t.printStackTrace();
            }
            System.out.println("NEO4J_STOPPED");
            System.out.flush();
            stopped.countDown();
        }, "neo4j-launcher-shutdown"));

        long ms = (System.nanoTime() - t0) / 1_000_000L;
        System.out.println("NEO4J_READY {\"bolt\":\"" + neo4j.boltURI() + "\",\"http\":\"" + neo4j.httpURI()
                + "\",\"startMs\":" + ms + ",\"pid\":" + ProcessHandle.current().pid() + "}");
        System.out.flush();

        String parent = opts.get("parent-pid");
        if (parent != null && !parent.isEmpty()) {
            long ppid = Long.parseLong(parent);
            while (true) {
                Thread.sleep(1000);
                boolean alive = ProcessHandle.of(ppid).map(ProcessHandle::isAlive).orElse(false);
                if (!alive) {
                    System.out.println("NEO4J_PARENT_GONE pid=" + ppid);
                    System.exit(0); // runs the shutdown hook
                }
            }
        }
        stopped.await();
    }

    private static String required(Map<String, String> opts, String key) {
        String v = opts.get(key);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("missing --" + key + "=...");
        }
        return v;
    }
}
