package dev.polystore.es;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.ClasspathNode;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.transport.netty4.Netty4Plugin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Polystore development Elasticsearch: one real ES 8 node (production code paths, no mocks) in
 * this JVM, built only from artifacts on Maven Central.
 *
 * Usage: java ... dev.polystore.es.PolystoreEs --dir DIR [--port 9200] [--transport-port 9300-9399]
 *                                               [--cluster-name polystore-dev] [-E key=value ...]
 * DIR gets data/ and logs/ (it is also path.home). Binds to 127.0.0.1 only. Plain HTTP, no
 * security (the x-pack security plugin is simply not on the classpath).
 * Prints "POLYSTORE_ES_READY http://127.0.0.1:PORT" once the HTTP endpoint is up; SIGTERM/SIGINT
 * close the node cleanly.
 *
 * <p>Polystore launcher code. Where it comes from: it takes the place of Elasticsearch's own
 * entry point ({@code org.elasticsearch.bootstrap.Elasticsearch} with the server CLI, which a
 * distribution runs) and goes through the same public steps the test framework's
 * {@code org.elasticsearch.node.MockNode} does for an in-JVM node: settings, then
 * {@code InternalSettingsPreparer.prepareEnvironment}, then a {@link Node} built by
 * {@link ClasspathNode}, {@code start()}, and {@code close()}/{@code awaitClose()} on shutdown
 * (elastic/elasticsearch v8.14.3, Elastic License 2.0 / SSPL v1). Those calls are the 8.14.3
 * API; the argument handling, settings, logging set-up and shutdown are written here.
 */
public final class PolystoreEs {

    /** Plugins loaded from the classpath: the HTTP/transport layer and our analysis components. */
    private static final List<Class<? extends Plugin>> PLUGINS = List.of(
        Netty4Plugin.class, PolystoreAnalysisPlugin.class, PolystoreRootPlugin.class);

    public static void main(String[] args) throws Exception {
        Path dir = null;
        String port = "9200", transportPort = "9300-9399", clusterName = "polystore-dev";
        Settings.Builder extra = Settings.builder();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--dir" -> dir = Path.of(args[++i]).toAbsolutePath();
                case "--port" -> port = args[++i];
                case "--transport-port" -> transportPort = args[++i];
                case "--cluster-name" -> clusterName = args[++i];
                case "-E" -> {
                    String kv = args[++i];
                    int eq = kv.indexOf('=');
                    if (eq <= 0) throw new IllegalArgumentException("-E expects key=value, got " + kv);
                    extra.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                default -> throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        if (dir == null) {
            throw new IllegalArgumentException("--dir DIR is required");
        }
        Files.createDirectories(dir.resolve("data"));
        Files.createDirectories(dir.resolve("logs"));
        Files.createDirectories(dir.resolve("config"));

        Settings settings = Settings.builder()
            .put("path.home", dir.toString())
            .put("path.data", dir.resolve("data").toString())
            .put("path.logs", dir.resolve("logs").toString())
            .put("cluster.name", clusterName)
            .put("node.name", "polystore-es")
            .put("discovery.type", "single-node")            // no cluster formation, no bootstrap checks
            .put("network.host", "127.0.0.1")
            .put("http.port", port)
            .put("transport.port", transportPort)
            // dev machines are often >90% full; without this ES refuses to allocate / goes read-only
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("logger.level", "INFO")
            .put(extra.build())
            .build();

        // Console logging (stdout) without a log4j2.properties file; the ES launcher normally does this.
        LogConfigurator.registerErrorListener();
        LogConfigurator.setNodeName("polystore-es");
        LogConfigurator.configureWithoutConfig(settings);

        Environment env = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), dir.resolve("config"), () -> "polystore-es");
        CountDownLatch stopped = new CountDownLatch(1);
        Node node = null;
        try {
            node = ClasspathNode.create(env, PLUGINS);
            final Node started = node;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    started.close();
                    started.awaitClose(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    e.printStackTrace();
                } finally {
                    stopped.countDown();
                }
            }, "polystore-es-shutdown"));
            node.start();
        } catch (Throwable t) {
            // e.g. port in use, data dir locked by another node, bad -E setting
            System.err.println("POLYSTORE_ES_FAILED " + t);
            t.printStackTrace();
            if (node != null) {
                try { node.close(); } catch (Exception ignored) { }
            }
            Runtime.getRuntime().halt(1);
        }
        System.out.println("POLYSTORE_ES_READY http://127.0.0.1:" + port);
        System.out.flush();
        stopped.await(); // park main until the shutdown hook has closed the node
    }
}
