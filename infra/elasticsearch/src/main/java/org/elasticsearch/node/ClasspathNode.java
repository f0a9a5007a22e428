package org.elasticsearch.node;

import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.ClasspathPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsService;

import java.util.List;

/**
 * Polystore launcher code. Builds the stock production {@link Node} with one service replaced:
 * its plugins are the classes the launcher names, loaded from the class path by
 * {@link ClasspathPluginsService}. Every other service NodeConstruction creates is the
 * production one.
 *
 * <p>Where the approach comes from: Elasticsearch's test framework builds its in-JVM nodes the same
 * way, in {@code org.elasticsearch.node.MockNode} (elastic/elasticsearch, test/framework, v8.14.3,
 * Elastic License 2.0 / SSPL v1), by overriding {@code NodeServiceProvider#newPluginService}. That
 * hook, {@code NodeConstruction.prepareConstruction} and the {@code Node(NodeConstruction)}
 * constructor are package-private, which is why this class sits in org.elasticsearch.node; the
 * calls below are the ones that API leaves open, and the code is our own.
 */
public final class ClasspathNode {

    private ClasspathNode() {}

    /**
     * A node (not yet started) whose plugins are {@code pluginTypes}. Private index settings are
     * forbidden, as on a production node.
     */
    public static Node create(Environment environment, List<Class<? extends Plugin>> pluginTypes) {
        return new Node(NodeConstruction.prepareConstruction(environment, new PluginsFromClassPath(pluginTypes), true));
    }

    /** The production service provider but for the plugin service. */
    private static final class PluginsFromClassPath extends NodeServiceProvider {
        private final List<Class<? extends Plugin>> pluginTypes;

        PluginsFromClassPath(List<Class<? extends Plugin>> pluginTypes) {
            this.pluginTypes = List.copyOf(pluginTypes);
        }

        @Override
        PluginsService newPluginService(Environment environment, Settings settings) {
            return new ClasspathPluginsService(settings, environment.configFile(), pluginTypes);
        }
    }
}
