# shellcheck shell=bash
# Elasticsearch 8.14.3 in a JVM, built from Maven Central artifacts by infra/elasticsearch (see
# docs/adr/0004-elasticsearch-without-docker.md): the real server with its production code paths,
# started by a small launcher because no runnable distribution is published on Maven Central.

ES_DIR="$ROOT/infra/elasticsearch"
ES_JAR="$ES_DIR/target/polystore-es-1.0.0.jar"
ES_MAIN="dev.polystore.es.PolystoreEs"

es_build() {
  local stamp="$ES_DIR/target/.source-hash" want
  want="$(cat "$ES_DIR/pom.xml" $(find "$ES_DIR/src" -type f | sort) | sha256sum | cut -d' ' -f1)"
  if [ -f "$ES_JAR" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  log "Elasticsearch: resolving the server from Maven Central and building the launcher (once)"
  mvn -q -B -f "$ES_DIR/pom.xml" package >"$LOGS/elasticsearch-build.log" 2>&1 ||
    die "building the Elasticsearch launcher failed; see $LOGS/elasticsearch-build.log"
  echo "$want" >"$stamp"
}

es_healthy() { curl -sf "http://127.0.0.1:$ES_PORT/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null; }

es_up() {
  if is_external elasticsearch; then log "Elasticsearch: external (ELASTICSEARCH_URL set), not started"; return; fi
  es_build
  if live_pid "$RUN/elasticsearch.pid" "$ES_MAIN --dir $DATA/elasticsearch" >/dev/null; then
    log "Elasticsearch: already running on port $ES_PORT"
    return
  fi
  if port_open "$ES_PORT"; then
    die "Elasticsearch: port $ES_PORT is taken by $(port_owner "$ES_PORT"); stop it or set POLYSTORE_ES_PORT"
  fi
  # path.repo: backups put the search index's snapshot in their folder (npm run backup, m2m/README.md)
  mkdir -p "$DATA/elasticsearch" "$DATA/backups"
  local cp
  cp="$ES_JAR:$(cat "$ES_DIR/target/classpath.txt")"
  nohup java -Xms"$ES_HEAP" -Xmx"$ES_HEAP" -Xss1m -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow \
    -Dfile.encoding=UTF-8 -Djava.awt.headless=true -Djna.nosys=true -Djava.locale.providers=SPI,COMPAT \
    -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true -Dio.netty.recycler.maxCapacityPerThread=0 \
    -Dlog4j.shutdownHookEnabled=false -Dlog4j2.disable.jmx=true -Dlog4j2.formatMsgNoLookups=true \
    -cp "$cp" "$ES_MAIN" --dir "$DATA/elasticsearch" --port "$ES_PORT" -E path.repo="$DATA/backups" \
    >>"$LOGS/elasticsearch.log" 2>&1 &
  echo $! >"$RUN/elasticsearch.pid"
  wait_until 120 "Elasticsearch on 127.0.0.1:$ES_PORT" es_healthy ||
    die "Elasticsearch does not answer; last log lines:$(printf '\n'; grep -E 'POLYSTORE_ES_FAILED|ERROR|Exception' "$LOGS/elasticsearch.log" | tail -n 10)"
}

es_down() { stop_pidfile elasticsearch Elasticsearch "$ES_MAIN --dir $DATA/elasticsearch"; }

es_status() {
  local health
  health="$(curl -sf "http://127.0.0.1:$ES_PORT/_cluster/health" 2>/dev/null | sed -E 's/.*"status":"([a-z]+)".*/\1/')"
  if [ -n "$health" ]; then echo "up on 127.0.0.1:$ES_PORT ($health)"; else echo down; fi
}
