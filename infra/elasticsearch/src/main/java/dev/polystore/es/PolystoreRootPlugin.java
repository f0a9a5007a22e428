package dev.polystore.es;

import org.elasticsearch.Build;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.metadata.Metadata;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.IndexScopedSettings;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.settings.SettingsFilter;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.index.IndexVersion;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestController;
import org.elasticsearch.rest.RestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestResponse;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.xcontent.XContentBuilder;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Polystore launcher code. Answers {@code GET /} and {@code HEAD /}, which clients call as
 * {@code info()} and {@code ping()}. On a distribution the rest-root module serves them; that
 * module is not published on Maven Central for 8.x, so a bare server answers 405.
 *
 * <p>Where it comes from: the body is the documented shape of Elasticsearch's root endpoint, the
 * one {@code org.elasticsearch.rest.root.RestMainAction} / {@code MainResponse} /
 * {@code TransportMainAction} of modules/rest-root produce (elastic/elasticsearch v8.14.3, Elastic
 * License 2.0 / SSPL v1), including "_na_" for a cluster UUID not yet committed. Field names and
 * values are a wire format clients parse, so they match; the code is our own: one handler, no
 * transport action, the body assembled as a map.
 */
public class PolystoreRootPlugin extends Plugin implements ActionPlugin {

    private volatile ClusterService clusterService;

    @Override
    public Collection<?> createComponents(PluginServices services) {
        this.clusterService = services.clusterService();
        return List.of();
    }

    @Override
    public Collection<RestHandler> getRestHandlers(Settings settings, NamedWriteableRegistry namedWriteableRegistry,
                                                   RestController restController, ClusterSettings clusterSettings,
                                                   IndexScopedSettings indexScopedSettings, SettingsFilter settingsFilter,
                                                   IndexNameExpressionResolver indexNameExpressionResolver,
                                                   Supplier<DiscoveryNodes> nodesInCluster,
                                                   Predicate<NodeFeature> clusterSupportsFeature) {
        return List.of(new RootHandler());
    }

    /** The node's identity, as the root endpoint reports it. */
    private Map<String, Object> describeNode() {
        ClusterState state = clusterService.state();
        Build build = Build.current();
        Map<String, Object> version = new LinkedHashMap<>();
        version.put("number", build.qualifiedVersion());
        version.put("build_flavor", build.flavor());
        version.put("build_type", build.type().displayName());
        version.put("build_hash", build.hash());
        version.put("build_date", build.date());
        version.put("build_snapshot", build.isSnapshot());
        version.put("lucene_version", IndexVersion.current().luceneVersion().toString());
        version.put("minimum_wire_compatibility_version", build.minWireCompatVersion());
        version.put("minimum_index_compatibility_version", build.minIndexCompatVersion());

        Metadata metadata = state.metadata();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", clusterService.localNode().getName());
        body.put("cluster_name", state.getClusterName().value());
        body.put("cluster_uuid", metadata.clusterUUIDCommitted() ? metadata.clusterUUID() : Metadata.UNKNOWN_CLUSTER_UUID);
        body.put("version", version);
        body.put("tagline", "You Know, for Search");
        return body;
    }

    private final class RootHandler extends BaseRestHandler {
        @Override
        public String getName() {
            return "polystore_root";
        }

        @Override
        public List<Route> routes() {
            return List.of(new Route(RestRequest.Method.GET, "/"), new Route(RestRequest.Method.HEAD, "/"));
        }

        @Override
        protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
            return channel -> {
                XContentBuilder json = channel.newBuilder();
                json.map(describeNode());
                channel.sendResponse(new RestResponse(RestStatus.OK, json));
            };
        }
    }
}
