package org.elasticsearch.node;

import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.ClasspathPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsService;
import org.elasticsearch.common.settings.Settings;

import java.util.Collection;
import java.util.List;

/**
 * Polystore: an ordinary production {@link Node} whose plugins come from the classpath.
 *
 * It sits in org.elasticsearch.node because NodeConstruction and NodeServiceProvider are
 * package-private; overriding NodeServiceProvider#newPluginService is the single hook ES
 * offers for supplying plugins without a distribution layout (the test framework's MockNode
 * uses the same hook). Every other service is the stock production implementation.
 */
public class ClasspathPluginsNode extends Node {

    public ClasspathPluginsNode(Environment environment, Collection<Class<? extends Plugin>> plugins) {
        super(NodeConstruction.prepareConstruction(environment, new NodeServiceProvider() {
            @Override
            PluginsService newPluginService(Environment env, Settings settings) {
                return new ClasspathPluginsService(settings, env, List.copyOf(plugins));
            }
        }, true /* forbid private index settings, as in production */));
    }
}
