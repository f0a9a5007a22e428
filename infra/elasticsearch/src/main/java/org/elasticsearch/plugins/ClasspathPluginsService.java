package org.elasticsearch.plugins;

import org.elasticsearch.Build;
import org.elasticsearch.action.admin.cluster.node.info.PluginsAndModules;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.jdk.ModuleQualifiedExportsService;
import org.elasticsearch.plugins.spi.SPIClassIterator;

import java.lang.reflect.Constructor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Polystore launcher code. The plugin registry of the local node: the plugins it runs are classes
 * the launcher names, found on the JVM's class path, instead of bundles unpacked under a
 * distribution's modules/ and plugins/ directories (Maven Central publishes jars, not a
 * distribution).
 *
 * <p>Where the approach comes from: Elasticsearch's own test framework runs in-JVM nodes with
 * classpath plugins through {@code org.elasticsearch.plugins.MockPluginsService}, which
 * {@code org.elasticsearch.node.MockNode} installs (elastic/elasticsearch, test/framework, v8.14.3,
 * Elastic License 2.0 / SSPL v1). This class follows that idea, a {@link PluginsService} subclass
 * constructed with no bundle directories and handed its plugin list, and was written against the
 * 8.14.3 {@link PluginsService} API, not from that file. What it shares with MockPluginsService is
 * what the API dictates: the four-argument super constructor, the methods overridden
 * ({@code plugins}, {@code info}, {@code loadServiceProviders}, {@code addServerExportsService}),
 * the package-private helpers called ({@code loadPlugin}, {@code loadExtensions},
 * {@code createExtension}, {@code LoadedPlugin}) and the twelve fields of {@link PluginDescriptor}.
 *
 * <p>It lives in org.elasticsearch.plugins because those helpers are package-private: internal
 * API, so this class is tied to the Elasticsearch version in pom.xml.
 */
public final class ClasspathPluginsService extends PluginsService {

    /** The one class loader every plugin here was defined by (the application class path). */
    private final ClassLoader classPath;
    private final List<LoadedPlugin> running;

    /**
     * @param settings  the node settings NodeConstruction passes to the plugin service
     * @param configDir the node's config directory, which plugins may read
     * @param pluginTypes the plugins to run, in the order they register their components
     */
    public ClasspathPluginsService(Settings settings, Path configDir, List<Class<? extends Plugin>> pluginTypes) {
        // No modules/ and no plugins/ directory: the base class discovers no bundles of its own.
        super(settings, configDir, null, null);
        this.classPath = sharedClassLoader(pluginTypes);
        List<LoadedPlugin> started = pluginTypes.stream()
            .map(type -> new LoadedPlugin(descriptorOf(type), loadPlugin(type, settings, configDir), classPath, ModuleLayer.boot()))
            .toList();
        // An ExtensiblePlugin among them would get its extensions here, as in a distribution.
        loadExtensions(started);
        this.running = started;
    }

    /**
     * Scanning one class loader for service providers is only right if every plugin shares it, so
     * that is required rather than assumed.
     */
    private static ClassLoader sharedClassLoader(List<Class<? extends Plugin>> pluginTypes) {
        Set<ClassLoader> loaders = new LinkedHashSet<>();
        pluginTypes.forEach(type -> loaders.add(type.getClassLoader()));
        if (loaders.size() > 1) {
            throw new IllegalArgumentException("the plugins " + pluginTypes + " come from more than one class loader");
        }
        return loaders.isEmpty() ? ClasspathPluginsService.class.getClassLoader() : loaders.iterator().next();
    }

    /** What the node reports about a plugin that has no plugin-descriptor.properties file. */
    private static PluginDescriptor descriptorOf(Class<? extends Plugin> type) {
        String serverVersion = Build.current().version();
        return new PluginDescriptor(
            type.getSimpleName(),
            "loaded from the Polystore launcher's class path",
            serverVersion, // the plugin is built with the server it runs in
            serverVersion,
            Integer.toString(Runtime.version().feature()),
            type.getName(),
            null, // not a named Java module
            List.of(), // extends no other plugin
            false, // no native controller
            false, // not a licensed (x-pack) plugin
            false, // not modular
            false // not a stable-API plugin
        );
    }

    @Override
    protected List<LoadedPlugin> plugins() {
        return running;
    }

    /**
     * A distribution ships HTTP, analysis-common and rest-root as modules, not installed plugins;
     * the classes here stand in for those modules, so they are reported as modules and
     * {@code GET _cat/plugins} stays empty, as on a stock node.
     */
    @Override
    public PluginsAndModules info() {
        return new PluginsAndModules(List.of(), running.stream().map(LoadedPlugin::descriptor).toList());
    }

    /**
     * The base implementation scans each plugin's class loader and binds what it finds to that
     * plugin. Here every plugin has the same loader, so that would find each provider once per
     * plugin, create duplicates (the server's own FeatureSpecifications among them) and fail on a
     * provider whose constructor takes a different plugin. Instead the shared loader is scanned
     * once and each provider class is created once, for the plugin it belongs to.
     */
    @Override
    public <T> List<? extends T> loadServiceProviders(Class<T> service) {
        Set<Class<? extends T>> providerTypes = new LinkedHashSet<>();
        SPIClassIterator.get(service, classPath).forEachRemaining(providerTypes::add);
        List<T> providers = new ArrayList<>();
        for (Class<? extends T> providerType : providerTypes) {
            ownerOf(providerType).ifPresent(owner -> providers.add(createExtension(providerType, service, owner)));
        }
        return List.copyOf(providers);
    }

    /**
     * The plugin a provider is created for: the one its single-argument constructor names; for a
     * provider without that (no-argument constructor, or malformed) any running plugin, since
     * createExtension then either ignores the plugin or reports the provider's shape in
     * Elasticsearch's own words. A provider that names a plugin this node does not run is skipped,
     * as it would be on a node without that plugin installed.
     */
    private Optional<Plugin> ownerOf(Class<?> providerType) {
        Constructor<?>[] constructors = providerType.getConstructors();
        if (constructors.length == 1 && constructors[0].getParameterCount() == 1) {
            Class<?> wanted = constructors[0].getParameterTypes()[0];
            return running.stream().map(LoadedPlugin::instance).filter(p -> p.getClass() == wanted).findFirst();
        }
        return running.stream().map(LoadedPlugin::instance).findFirst();
    }

    /**
     * The base class registers the qualified exports of the server's named module for plugin
     * module layers. Started from a plain class path, the server sits in the unnamed module (which
     * has no name, so the base version fails) and there are no plugin layers to export to.
     */
    @Override
    protected void addServerExportsService(Map<String, List<ModuleQualifiedExportsService>> qualifiedExports) {}
}
