import { Inject, Injectable } from '@nestjs/common';
import { CatalogRepository, type Image, ProjectRepository } from '@xenplane/db';
import {
  canChangeImage,
  canSeeImage,
  declaredLengthRefusal,
  expectedChecksum,
  imageDeletion,
  newImageOwner,
  sizeGbOf,
  uploadFormatRefusal,
} from '@xenplane/domain';
import type { Request } from 'express';
import type { Principal } from '../common/auth/principal';
import { ApiError, conflict, forbidden, invalid, notFound } from '../common/errors/api-errors';
import { uniquely } from '../common/http/unique';
import { API_CONFIG, type ApiConfig } from '../config';
import { type CreateImageDto, type ImageView, type ListImagesQuery, presentImage } from './image.dto';
import { ImageStore, UploadRefused } from './image-store';
import { readPage } from '../common/http/cursor';
import type { Page } from '../common/http/page-view';

const OCTET_STREAM = 'application/octet-stream';

/**
 * Images: made by POST (pending), given content by one streamed upload (active), deleted once
 * no VM uses them. Public images are the operators'; a project's images its members', and
 * invisible (404) to other projects (libs/domain image-rules).
 */
@Injectable()
export class ImagesService {
  private readonly store: ImageStore;

  constructor(
    private readonly catalog: CatalogRepository,
    private readonly projects: ProjectRepository,
    @Inject(API_CONFIG) config: ApiConfig,
  ) {
    this.store = new ImageStore(config.IMAGE_STORE_DIR, config.IMAGE_MAX_BYTES);
  }

  async create(p: Principal, dto: CreateImageDto): Promise<ImageView> {
    const diskFormat = dto.diskFormat ?? 'raw';
    const formatRefusal = uploadFormatRefusal(diskFormat);
    if (formatRefusal)
      throw new ApiError('unsupported_disk_format', formatRefusal, [{ field: 'diskFormat', message: formatRefusal }]);
    if (dto.guestType !== 'hvm' && !dto.kernel && !dto.bootloader)
      throw invalid('kernel', 'a pv or pvh image needs a kernel or a bootloader');
    if (dto.bootloader && dto.guestType !== 'pv') throw invalid('bootloader', 'only pv guests boot through pygrub');
    const owner = newImageOwner(p, dto.projectId);
    if (!owner.ok) throw invalid('projectId', owner.message);
    if (owner.projectId && !(await this.projects.find(owner.projectId))) throw invalid('projectId', 'no such project');
    const { projectId: _, ...fields } = dto;
    const image = await uniquely(`image name ${dto.name}`, () =>
      this.catalog.createImage({ ...fields, diskFormat, sizeGb: 0, status: 'pending', projectId: owner.projectId }),
    );
    return presentImage(image);
  }

  list(p: Principal, q: ListImagesQuery): Promise<Page<ImageView>> {
    const filter = {
      ...(p.projectId ? { visibleTo: p.projectId } : {}),
      ...(q.projectId ? { projectId: q.projectId } : {}),
      ...(q.visibility ? { visibility: q.visibility } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.name !== undefined ? { name: q.name } : {}),
    };
    return readPage(
      q,
      (after, take) => this.catalog.imagePage(filter, after, take),
      (rows) => rows.map(presentImage),
    );
  }

  async get(p: Principal, id: string): Promise<ImageView> {
    return presentImage(await this.visible(p, id));
  }

  /**
   * Streams the request's body into the image store (ImageStore.receive) and makes the image
   * active with its size and sha256. The body is never buffered: no parser reads an
   * octet-stream (input-guard.ts lets it through for this route only).
   */
  async upload(p: Principal, id: string, req: Request): Promise<ImageView> {
    const image = await this.changeable(p, id);
    if (image.status !== 'pending') throw conflict(`image ${id} already has its content: make a new image`);
    const type = req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (type !== OCTET_STREAM)
      throw new ApiError('unsupported_media_type', `an image's content is sent as ${OCTET_STREAM}`);
    const checksum = expectedChecksum(req.header('x-checksum-sha256'));
    if ('refusal' in checksum) throw invalid('X-Checksum-Sha256', checksum.refusal);
    const tooLarge = declaredLengthRefusal(req.header('content-length'), this.store.maxBytes);
    if (tooLarge) throw new ApiError('payload_too_large', tooLarge);
    if (req.header('content-length')?.trim() === '0') throw invalid('body', 'the image content is empty');
    let content;
    try {
      content = await this.store.receive(id, req, checksum.sha256);
    } catch (err) {
      if (err instanceof UploadRefused) throw this.refusal(err, req);
      throw err;
    }
    const uploaded = await this.catalog.markUploaded(id, { ...content, sizeGb: sizeGbOf(content.sizeBytes) });
    if (!uploaded) {
      // deleted meanwhile: its content goes too
      await this.store.remove(id);
      throw notFound('image', id);
    }
    return presentImage(uploaded);
  }

  /** 409 while a VM that is not deleted uses it; its content is removed with it. */
  async delete(p: Principal, id: string): Promise<void> {
    await this.changeable(p, id);
    const decision = imageDeletion(await this.catalog.imageUses(id));
    if (decision === 'in-use') throw conflict(`image ${id} is used by VMs that are not deleted: delete them first`);
    const done = decision === 'remove' ? await this.catalog.removeImage(id) : await this.catalog.retireImage(id);
    if (!done) {
      if (await this.catalog.findImage(id)) throw conflict(`image ${id} was just used by a new VM`);
      throw notFound('image', id);
    }
    await this.store.remove(id);
  }

  private async visible(p: Principal, id: string): Promise<Image> {
    const image = await this.catalog.findImage(id);
    if (!image || !canSeeImage(p, image)) throw notFound('image', id);
    return image;
  }

  private async changeable(p: Principal, id: string): Promise<Image> {
    const image = await this.visible(p, id);
    if (!canChangeImage(p, image)) throw forbidden('public images are changed by operators and global admins only');
    return image;
  }

  private refusal(err: UploadRefused, req: Request): ApiError {
    // the client may still be sending: what is left is read and dropped, so that it gets the answer
    if (!req.readableEnded) {
      req.res?.setHeader('Connection', 'close');
      req.resume();
    }
    switch (err.reason) {
      case 'too_large':
        return new ApiError('payload_too_large', err.message);
      case 'checksum_mismatch':
        return new ApiError('checksum_mismatch', err.message);
      case 'busy':
        return conflict(err.message);
      case 'aborted':
        return invalid('body', err.message);
    }
  }
}
