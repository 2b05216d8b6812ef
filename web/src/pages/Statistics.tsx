// Seizure statistics (issue 6): not served by this API version yet.
import { Empty, PageHeader } from "../ui";

export default function Statistics() {
  return (
    <section>
      <PageHeader title="Statistics" />
      <Empty>The statistics API is not available on this server yet.</Empty>
    </section>
  );
}
