package org.elasticsearch.plugins;

import org.elasticsearch.Build;
import org.elasticsearch.action.admin.cluster.node.info.PluginsAndModules;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.spi.SPIClassIterator;

import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Polystore: a PluginsService that loads plugin classes straight from the JVM classpath
 * instead of from a distribution's modules/ and plugins/ directories.
 *
 * It lives in the org.elasticsearch.plugins package only because it needs a few
 * package-private helpers of PluginsService (LoadedPlugin, loadPlugin, loadExtensions,
 * createExtension). Those are internal APIs, so this class is pinned to the ES version in pom.xml.
 */
public class ClasspathPluginsService extends PluginsService {

    private final List<LoadedPlugin> loaded;

    public ClasspathPluginsService(Settings settings, Environment env, Collection<Class<? extends Plugin>> pluginClasses) {
        // null modules/plugins directories: the base class then loads nothing from disk
        super(settings, env.configFile(), null, null);
        String esVersion = Build.current().version();
        List<LoadedPlugin> list = new ArrayList<>();
        for (Class<? extends Plugin> cls : pluginClasses) {
            Plugin instance = loadPlugin(cls, settings, env.configFile());
            PluginDescriptor descriptor = new PluginDescriptor(
                cls.getSimpleName(),                     // name shown in _cat/plugins
                "classpath plugin",                      // description
                esVersion,                               // plugin version
                esVersion,                               // elasticsearch version it was built for
                Integer.toString(Runtime.version().feature()),
                cls.getName(),                           // entry class
                null,                                    // no JPMS module
                List.of(),                               // extends no other plugin
                false, false, false, false               // native controller, licensed, modular, stable
            );
            list.add(new LoadedPlugin(descriptor, instance, cls.getClassLoader(), ModuleLayer.boot()));
        }
        loadExtensions(list);
        this.loaded = List.copyOf(list);
    }

    /**
     * The base class registers the server *module*'s qualified exports for plugin module layers.
     * On a plain classpath the server is in the unnamed module (no descriptor, NPE otherwise) and
     * there are no plugin layers, so there is nothing to do.
     */
    @Override
    protected void addServerExportsService(Map<String, List<org.elasticsearch.jdk.ModuleQualifiedExportsService>> qualifiedExports) {}

    @Override
    protected List<LoadedPlugin> plugins() {
        return loaded;
    }

    @Override
    public PluginsAndModules info() {
        return new PluginsAndModules(loaded.stream().map(p -> new PluginRuntimeInfo(p.descriptor())).toList(), List.of());
    }

    /**
     * All plugins share the application class loader here, so the SPI scan of every plugin sees
     * the same META-INF/services entries (e.g. the server's own FeatureSpecifications). The default
     * implementation would instantiate each provider once per plugin (duplicate registrations);
     * we instantiate every provider class exactly once.
     */
    @Override
    public <T> List<? extends T> loadServiceProviders(Class<T> service) {
        Map<Class<?>, T> byClass = new LinkedHashMap<>();
        for (LoadedPlugin p : loaded) {
            Iterator<Class<? extends T>> it = SPIClassIterator.get(service, p.loader());
            while (it.hasNext()) {
                Class<? extends T> providerClass = it.next();
                if (byClass.containsKey(providerClass) == false && constructibleFor(providerClass, p.instance())) {
                    byClass.put(providerClass, createExtension(providerClass, service, p.instance()));
                }
            }
        }
        return List.copyOf(byClass.values());
    }

    /** A provider either has a no-arg constructor or one taking the (exact) plugin class that owns it. */
    private static boolean constructibleFor(Class<?> providerClass, Plugin plugin) {
        for (Constructor<?> c : providerClass.getConstructors()) {
            if (c.getParameterCount() == 1 && c.getParameterTypes()[0] == plugin.getClass()) {
                return true;
            }
        }
        for (Constructor<?> c : providerClass.getConstructors()) {
            if (c.getParameterCount() == 0) {
                return providerClass.getConstructors().length == 1;
            }
        }
        return false;
    }
}
