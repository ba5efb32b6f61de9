/** @type {import('next').NextConfig} */
const nextConfig = {
  // Workspace packages are TypeScript sources.
  transpilePackages: ['@drydock/api', '@drydock/units'],
  typescript: { ignoreBuildErrors: true }, // `tsc -p apps/web` checks types in npm test
  poweredByHeader: false,
  reactStrictMode: true,
};
export default nextConfig;
