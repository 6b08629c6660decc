export function NotFound({ what = 'page' }: { what?: string }) {
  return (
    <section class="card">
      <h1>Not found</h1>
      <p>
        This {what} does not exist, or you do not have access to it. <a href="/homes">Back to your homes</a>
      </p>
    </section>
  );
}
