import type { ReactNode } from 'react';
import './globals.css';

export const metadata = { title: 'Drydock', description: 'Container images for teams' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen">{children}</body>
    </html>
  );
}
