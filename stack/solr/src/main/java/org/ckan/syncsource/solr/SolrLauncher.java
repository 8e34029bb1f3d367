package org.ckan.syncsource.solr;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.apache.solr.embedded.JettyConfig;
import org.apache.solr.embedded.JettySolrRunner;

/**
 * Runs one Apache Solr node on 127.0.0.1 with the given solr home, until the process is stopped.
 *
 * <p>Usage: {@code SolrLauncher SOLR_HOME PORT}. The node serves {@code /solr}, as a stock Solr
 * install does, so CKAN's {@code solr_url} is {@code http://127.0.0.1:PORT/solr/ckan}.
 */
public final class SolrLauncher {
  private SolrLauncher() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: SolrLauncher SOLR_HOME PORT");
      System.exit(2);
    }
    Path home = Path.of(args[0]).toAbsolutePath();
    int port = Integer.parseInt(args[1]);
    System.setProperty("jetty.host", "127.0.0.1");
    System.setProperty("host", "127.0.0.1");
    System.setProperty("solr.solr.home", home.toString());
    JettyConfig config = JettyConfig.builder().setPort(port).setContext("/solr").build();
    JettySolrRunner solr = new JettySolrRunner(home.toString(), config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    solr.stop();
                  } catch (Exception e) {
                    e.printStackTrace();
                  } finally {
                    stopped.countDown();
                  }
                }));
    solr.start();
    System.out.println("Solr " + org.apache.solr.client.api.util.SolrVersion.LATEST + " listening on "
        + solr.getBaseUrl());
    stopped.await();
  }
}
