# edgewatch in a container: built on Debian 12 with Debian's packages, run on a slim Debian 12.
# Build:  docker build -t edgewatch .
# Run:    docker run -p 8080:8080 -v $PWD/dist:/srv/app:ro -v edgewatch-data:/var/lib/edgewatch \
#           edgewatch serve --root /srv/app --upstream http://api-backend:8004
FROM debian:12 AS build
WORKDIR /src
COPY scripts/setup scripts/setup
RUN scripts/setup
COPY . .
RUN scripts/build --target edgewatch && strip build/edgewatch

FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl3 zlib1g libbrotli1 libzstd1 libsqlite3-0 \
      libpq5 libsimdjson14 libtomlplusplus3 libspdlog1.10 libfmt9 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /var/lib/edgewatch --create-home edgewatch
COPY --from=build /src/build/edgewatch /usr/local/bin/edgewatch
COPY examples/edgewatch.toml /etc/edgewatch/edgewatch.toml.example
USER edgewatch
WORKDIR /var/lib/edgewatch
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
  CMD ["curl", "-fsS", "http://127.0.0.1:8080/health"]
ENTRYPOINT ["/usr/local/bin/edgewatch"]
CMD ["serve", "--listen", "0.0.0.0:8080"]
